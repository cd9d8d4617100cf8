#!/usr/bin/env node
// The `vela` command: runs the CLI's TypeScript directly (swc compiles it on load).
require('@swc-node/register');
require('../apps/cli/src/main.ts');
