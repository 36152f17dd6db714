export * from './templates';
export * from './host-profile';
export * from './fleet';
export * from './stats';
export * from './hub-process';
export * from './report';
