import { resolve } from 'node:path';
import { loadPlugins, pluginModules } from './plugins';

describe('VELA_PLUGINS', () => {
  it('lists modules, trimmed, with paths made absolute and package names kept', () => {
    expect(pluginModules({ VELA_PLUGINS: ' @acme/vela-nets , ./plugins/trainer.ts,,' })).toEqual(['@acme/vela-nets', resolve('plugins/trainer.ts')]);
    expect(pluginModules({})).toEqual([]);
  });

  it('names the plug-in that cannot be loaded', () => {
    expect(() => loadPlugins(['@acme/not-installed'])).toThrow(/VELA_PLUGINS.*cannot load plugin '@acme\/not-installed'/);
  });
});
