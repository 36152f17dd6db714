export * from './line-event-reader';
export * from './time-of-day-clock';
export * from './line-splitter';
export * from './skip-tally';
export * from './text-report-parser';
