import { AlreadyExistsError, InvalidArgumentError } from '@vela/errors';
import { Registry, registry, registerer } from './registry';

// Libs type their kinds' factories by declaration merging; these tests register plain
// values, so they see the registry with untyped factories.
type UntypedRegistry = Omit<Registry, 'register'> & {
  register(kind: string, name: string, factory: unknown, options?: Parameters<Registry['register']>[3]): unknown;
};

describe('Registry', () => {
  let reg: UntypedRegistry;
  beforeEach(() => {
    reg = new Registry() as unknown as UntypedRegistry;
  });

  it('registers by kind, name and aliases and finds case-insensitively', () => {
    reg.register('search_algorithm', 'random', 'RANDOM', { aliases: ['RandomSearch'], description: 'uniform' });
    expect(reg.get('search_algorithm', 'random').factory).toBe('RANDOM');
    expect(reg.get('search_algorithm', 'RandomSearch').name).toBe('random');
    expect(reg.get('search_algorithm', 'randomsearch').name).toBe('random');
    expect(reg.has('search_algorithm', 'RANDOM')).toBe(true);
    expect(reg.has('codec', 'random')).toBe(false);
  });

  it('keeps kinds apart', () => {
    reg.register('loss', 'CrossEntropy', 1);
    reg.register('metric', 'CrossEntropy', 2);
    expect(reg.get('loss', 'CrossEntropy').factory).toBe(1);
    expect(reg.get('metric', 'CrossEntropy').factory).toBe(2);
  });

  it('refuses a duplicate name or alias within a kind', () => {
    reg.register('optimizer', 'Adam', 1, { aliases: ['adam_opt'] });
    expect(() => reg.register('optimizer', 'ADAM', 2)).toThrow(AlreadyExistsError);
    expect(() => reg.register('optimizer', 'Other', 2, { aliases: ['adam_opt'] })).toThrow(/already registered \(by 'Adam'\)/);
  });

  it('names the registered entries and the closest on an unknown name', () => {
    reg.register('optimizer', 'SGD', 1);
    reg.register('optimizer', 'Adam', 2);
    reg.register('optimizer', 'AdamW', 3);
    const attempt = () => reg.get('optimizer', 'Adma', 'trainer.optimizer.type');
    expect(attempt).toThrow(InvalidArgumentError);
    expect(attempt).toThrow("trainer.optimizer.type: unknown optimizer 'Adma'; did you mean 'Adam'? (registered: SGD, Adam, AdamW)");
    expect(() => new Registry().get('pipe_step', 'NoSuchStep')).toThrow('none is registered');
    reg.register('search_algorithm', 'random', 1, { aliases: ['RandomSearch'] });
    expect(() => reg.get('search_algorithm', 'RandomSerch')).toThrow("unknown search algorithm 'RandomSerch'; did you mean 'RandomSearch'? (registered: random)");
  });

  it('lists a kind in registration order, networks by role', () => {
    reg.register('network', 'ResNet', 1, { role: 'backbone' });
    reg.register('network', 'LinearClassificationHead', 2, { role: 'head' });
    reg.register('network', 'SimpleCnn', 3, { role: 'backbone' });
    expect(reg.names('network')).toEqual(['ResNet', 'LinearClassificationHead', 'SimpleCnn']);
    expect(reg.list('network', { role: 'backbone' }).map((e) => e.name)).toEqual(['ResNet', 'SimpleCnn']);
    expect(reg.list('codec')).toEqual([]);
  });

  it('rejects unknown kinds and roles', () => {
    expect(() => reg.register('widget', 'x', 1)).toThrow(/unknown registry kind 'widget'/);
    expect(() => reg.register('loss', 'x', 1, { role: 'head' })).toThrow(/role is only for networks/);
    expect(() => reg.register('network', 'x', 1, { role: 'tail' as never })).toThrow(/unknown network role 'tail'/);
  });

  it('unregisters', () => {
    reg.register('callback', 'Progress', 1, { aliases: ['ProgressLogger'] });
    expect(reg.unregister('callback', 'ProgressLogger')).toBe(true);
    expect(reg.has('callback', 'Progress')).toBe(false);
    expect(reg.unregister('callback', 'Progress')).toBe(false);
  });

  it('offers one process-wide registry with per-kind registerers', () => {
    const registerPipeStep = registerer('pipe_step') as (name: string, factory: unknown) => unknown;
    registerPipeStep('RegistrySpecStep', 42);
    expect(registry.get('pipe_step', 'RegistrySpecStep').factory).toBe(42);
    registry.unregister('pipe_step', 'RegistrySpecStep');
  });
});
