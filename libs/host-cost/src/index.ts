export * from './proc';
export * from './auditctl';
export * from './auditd-conf';
export * from './audit-log-dir';
export * from './products';
export * from './cost-window';
export * from './findings';
export * from './before-after';
