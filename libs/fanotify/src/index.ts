export * from './fatrace-parser';
