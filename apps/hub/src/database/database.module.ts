import { Global, Module } from '@nestjs/common';
import { IngestPrismaService } from './ingest-prisma.service';
import { PrismaService } from './prisma.service';
import { ReadReplicaService } from './read-replica.service';

@Global()
@Module({ providers: [PrismaService, IngestPrismaService, ReadReplicaService], exports: [PrismaService, IngestPrismaService, ReadReplicaService] })
export class DatabaseModule {}
