import { resolve } from 'node:path';
import { InvalidArgumentError } from '@vela/errors';

/**
 * The modules `VELA_PLUGINS` names (comma-separated package names, or paths from the working
 * directory), paths made absolute. Every process that resolves a `type:` loads them: the master
 * (it validates configs), the generator (algorithms) and each training process (trainers,
 * networks, datasets), so one setting makes a user's registration known everywhere.
 */
export function pluginModules(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env['VELA_PLUGINS'] ?? '')
    .split(',')
    .map((module) => module.trim())
    .filter(Boolean)
    .map((module) => (/^[./]/.test(module) ? resolve(module) : module));
}

/** Requires each plugin module (its registrations run on load); one that fails is named in the error. */
export function loadPlugins(modules: readonly string[]): void {
  for (const module of modules) {
    try {
      require(module);
    } catch (error) {
      throw new InvalidArgumentError(`cannot load plugin '${module}': ${error instanceof Error ? error.message : String(error)}`, 'VELA_PLUGINS');
    }
  }
}
