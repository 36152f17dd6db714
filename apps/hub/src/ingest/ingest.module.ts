import { Module } from '@nestjs/common';
import { AuditdApplyModule } from '../auditd-apply/auditd-apply.module';
import { AgentAuthenticator } from './agent-authenticator.service';
import { AgentEnrollmentService } from './agent-enrollment.service';
import { AgentCredentialRepository } from './agent-credential.repository';
import { EnrollmentRepository } from './enrollment.repository';
import { BatchIngestService } from './batch-ingest.service';
import { IngestBatchRepository } from './ingest-batch.repository';
import { IngestGrpcServer } from './ingest-grpc.server';

@Module({
  imports: [AuditdApplyModule],
  providers: [
    AgentEnrollmentService,
    EnrollmentRepository,
    AgentCredentialRepository,
    AgentAuthenticator,
    BatchIngestService,
    IngestBatchRepository,
    IngestGrpcServer,
  ],
  exports: [IngestGrpcServer, BatchIngestService],
})
export class IngestModule {}
