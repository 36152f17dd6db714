import { Module } from '@nestjs/common';
import { AgentAuthenticator } from './agent-authenticator.service';
import { AgentEnrollmentService } from './agent-enrollment.service';
import { BatchIngestService } from './batch-ingest.service';
import { IngestGrpcServer } from './ingest-grpc.server';

@Module({
  providers: [AgentEnrollmentService, AgentAuthenticator, BatchIngestService, IngestGrpcServer],
  exports: [IngestGrpcServer, BatchIngestService],
})
export class IngestModule {}
