export * from './path-parts';
export * from './username-generalizer';
export * from './path-shape';
export * from './glob-match';
export * from './local-accounts';
export * from './user-path-redactor';
