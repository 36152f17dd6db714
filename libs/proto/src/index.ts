import * as path from 'node:path';

export * from './generated/fleettune/v1/agent';

/** Directory holding the .proto sources, for server reflection. */
export const PROTO_ROOT = path.resolve(__dirname, '..', 'proto');
export const AGENT_PROTO_FILE = 'fleettune/v1/agent.proto';
export * from './program-format-names';
