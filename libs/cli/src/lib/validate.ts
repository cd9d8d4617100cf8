import { readFile } from 'node:fs/promises';
import { ConfigValidationError, loadConfig, type ConfigCheck } from '@vela/config';
import type { CommandOutput } from './command-output';
import { CliError, EXIT } from './exit-codes';

/** A config file's text; one that cannot be read is a usage error naming it. */
export function readConfigFile(path: string): Promise<string> {
  return readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new CliError(`cannot read ${path}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`, EXIT.usage);
  });
}

/**
 * `vela validate <config.yml>`: loads the config as the master would (overrides, `ref:`,
 * schema and registry) without a master. An invalid config exits 2 and lists every problem,
 * each with its file, line and YAML path. The kinds a config
 * names (`type:`) must be registered first: the caller loads the libs that register them, and
 * passes the master's `check` (which builds each step's search and network).
 */
export async function validateConfig(path: string, overrides: readonly string[] = [], check?: ConfigCheck): Promise<CommandOutput> {
  const text = await readConfigFile(path);
  try {
    const { config, warnings } = loadConfig(text, { overrides, filePath: path, check });
    const steps = config.pipeline.map((step) => step.name);
    return {
      json: { valid: true, steps, warnings: warnings.map(({ path: key, line, message }) => ({ path: key, line, message })) },
      lines: [...warnings.map((warning) => `warning: ${warning.message}`), `${path}: valid (${steps.join(' → ')})`],
    };
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    const count = error.details.length;
    return {
      exitCode: EXIT.usage,
      json: { valid: false, problems: error.details },
      lines: [...error.details.map((problem) => problem.message), `${path}: ${count} problem${count === 1 ? '' : 's'}; fix them and run \`vela validate\` again`],
    };
  }
}
