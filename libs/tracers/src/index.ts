export * from './header-table-parser';
export * from './execsnoop-parser';
export * from './opensnoop-parser';
export * from './iosnoop-parser';
export * from './newproc-parser';
