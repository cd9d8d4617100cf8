import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

// Proves the tags constrain: the lint rules that keep the domain free of transports and
// keep libs from importing services must actually fail on a violation (the nx-examples
// wildcard trap would pass these silently).
const root = join(__dirname, '..', '..');

describe('module boundaries', () => {
  const env = { ...process.env, NX_DAEMON: 'false' };
  beforeAll(() => {
    // The boundaries rule reads nx's cached project graph: make sure it is current.
    execFileSync(join(root, 'node_modules', '.bin', 'nx'), ['show', 'projects'], { cwd: root, env, stdio: 'ignore' });
  }, 60000);

  // ESLint runs as the CLI does (its flat config is ESM, which jest's module system cannot load).
  const lint = async (file: string, code: string): Promise<string[]> => {
    let output: string;
    try {
      output = execFileSync(join(root, 'node_modules', '.bin', 'eslint'), ['--stdin', '--stdin-filename', join(root, file), '--format', 'json'], { cwd: root, env, input: code }).toString();
    } catch (error) {
      output = String((error as { stdout: Buffer }).stdout);
    }
    const [result] = JSON.parse(output) as { messages: { ruleId: string; message: string }[] }[];
    return result.messages.filter((message) => message.ruleId === '@nx/enforce-module-boundaries').map((message) => message.message);
  };

  it('refuses a transport import in a domain lib', async () => {
    const messages = await lint('libs/registry/src/lib/forbidden.ts', "import * as grpc from '@grpc/grpc-js';\nexport const x = grpc;\n");
    expect(messages).toEqual([expect.stringContaining('type:domain" is not allowed to import "@grpc/grpc-js"')]);
  });

  it('refuses storage imports in a domain lib', async () => {
    const messages = await lint('libs/pareto/src/lib/forbidden.ts', "import { Client } from 'pg';\nexport const x = Client;\n");
    expect(messages).toEqual([expect.stringContaining('is not allowed to import "pg"')]);
  });

  it('refuses a domain lib depending on a service lib', async () => {
    const messages = await lint('libs/registry/src/lib/forbidden.ts', "import * as report from '@vela/report';\nexport const x = report;\n");
    expect(messages).toEqual([expect.stringContaining('A project tagged with "type:domain" can only depend on libs tagged with "type:domain", "type:util"')]);
  });

  it('accepts what the tags allow', async () => {
    expect(await lint('libs/registry/src/lib/allowed.ts', "import { InvalidArgumentError } from '@vela/errors';\nexport const x = InvalidArgumentError;\n")).toEqual([]);
  });
});
