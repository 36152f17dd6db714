import { ServiceError } from '@grpc/grpc-js';
import { AgentServiceClient, AuditdApplyReport, AuditdExclusions } from '@fleettune/proto';
import { bearer } from '../uplink/hub-client';

const TIMEOUT_MS = 30_000;

/** GetAuditdExclusions: with `knownEtag` equal to the hub's, the answer is `unchanged` with no items. */
export function fetchAuditdExclusions(client: AgentServiceClient, token: string, hostId: string, knownEtag: string): Promise<AuditdExclusions> {
  return new Promise((resolve, reject) =>
    client.getAuditdExclusions(
      { hostId, knownEtag },
      bearer(token),
      { deadline: Date.now() + TIMEOUT_MS },
      (err: ServiceError | null, res?: AuditdExclusions) => (err ? reject(err) : resolve(res!)),
    ),
  );
}

export function reportAuditdApply(client: AgentServiceClient, token: string, report: AuditdApplyReport): Promise<void> {
  return new Promise((resolve, reject) =>
    client.reportAuditdApply(report, bearer(token), { deadline: Date.now() + TIMEOUT_MS }, (err: ServiceError | null) => (err ? reject(err) : resolve())),
  );
}
