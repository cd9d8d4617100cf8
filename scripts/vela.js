#!/usr/bin/env node
// The `vela` command: runs the CLI's TypeScript directly (swc compiles it on load).
// swc reads the tsconfig of the working folder unless told; the CLI runs from any folder, and
// the services and training processes it starts inherit this.
process.env.SWC_NODE_PROJECT ??= require('node:path').resolve(__dirname, '../tsconfig.json');
require('@swc-node/register');
require('../apps/cli/src/main.ts');
