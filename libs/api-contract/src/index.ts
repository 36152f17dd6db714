export * from './roles';
export * from './page';
export * from './timestamp';
export * from './hosts';
export * from './noise';
export * from './policy-pushes';
export * from './admin';
export * from './auditd-apply';
