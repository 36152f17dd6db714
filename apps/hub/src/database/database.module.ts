import { Global, Module } from '@nestjs/common';
import { IngestPrismaService } from './ingest-prisma.service';
import { PrismaService } from './prisma.service';

@Global()
@Module({ providers: [PrismaService, IngestPrismaService], exports: [PrismaService, IngestPrismaService] })
export class DatabaseModule {}
