export * from './hub-process';
export * from './hub-env';
export * from './agent-replay';
export * from './hub-api';
export * from './aureport-reference';
export * from './text-table';
