export * from './eslogger-event-parser';
