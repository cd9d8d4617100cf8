// Public surface of @vela/search-space.
export * from './lib/json';
export * from './lib/prng';
export * from './lib/parameter';
export * from './lib/search-space';
export * from './lib/network-desc';
