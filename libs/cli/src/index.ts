// Public surface of @vela/cli: what `vela` does, apart from its argument parsing (apps/cli).
export * from './lib/command-output';
export * from './lib/connection';
export * from './lib/exit-codes';
export * from './lib/format';
export * from './lib/report';
export * from './lib/runs';
export * from './lib/serve';
export * from './lib/table';
export * from './lib/validate';
export * from './lib/workers';
