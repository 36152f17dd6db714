export * from './observed-event';
export * from './counts';
export * from './count-table';
export * from './window-aggregator';
export * from './program-format';
