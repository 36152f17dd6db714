export * from './path-parts';
export * from './username-generalizer';
export * from './path-shape';
export * from './glob-match';
