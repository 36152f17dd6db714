import type { AgentServiceClient, EnrollResponse } from '@fleettune/proto';
import { enrollWithHub } from '../uplink/hub-client';

/** Enrolls a Linux agent named `hostname` (machine id `<hostname>-machine`) as the uplink specs do, before they stream to the hub themselves. */
export function enrollSpecAgent(client: AgentServiceClient, enrollSecret: string, hostname: string): Promise<EnrollResponse> {
  return enrollWithHub(client, { enrollSecret, hostname, os: 'linux', agentVersion: 'test', machineId: `${hostname}-machine` });
}
