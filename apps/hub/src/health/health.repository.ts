import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';

/** The readiness probe's one query. */
@Injectable()
export class HealthRepository {
  constructor(private readonly prisma: PrismaService) {}

  async ping(): Promise<void> {
    await this.prisma.$queryRaw`SELECT 1`;
  }
}
