import { resolve } from 'node:path';
import { defaultWorkerId, workerSettingsFromEnv } from './worker-settings';

describe('workerSettingsFromEnv', () => {
  it('defaults to the local services, the host name as id and one CPU slot per core', () => {
    const settings = workerSettingsFromEnv({});
    expect(settings).toMatchObject({
      pipelineAddress: '127.0.0.1:50051',
      reportAddress: '127.0.0.1:50053',
      token: undefined,
      workerId: defaultWorkerId(),
      backend: 'auto',
      labels: {},
      plugins: [],
      acquireWaitMs: 5000,
      drainMs: 30000,
      progressIntervalMs: 1000,
      leaseAheadBelowMs: 500,
      leaseAheadPerSlot: 1,
    });
    expect(settings.cpuSlots).toBeGreaterThan(0);
  });

  it('reads every variable', () => {
    const settings = workerSettingsFromEnv({
      VELA_PIPELINE_ADDRESS: 'master.lab:7000',
      VELA_REPORT_ADDRESS: '[::1]:7001',
      VELA_TOKEN: 'secret',
      VELA_WORKER_ID: 'gpu-host-1.lab',
      VELA_WORKER_CPU_SLOTS: '3',
      VELA_WORKER_MEMORY_BYTES: '1024',
      VELA_WORKER_LABELS: 'zone=lab-2, tier = fast',
      VELA_WORKER_BACKEND: 'cpu',
      VELA_WORKER_ACQUIRE_WAIT_MS: '100',
      VELA_WORKER_DRAIN_MS: '0',
      VELA_WORKER_PROGRESS_MS: '250',
      VELA_WORKER_LEASE_AHEAD_BELOW_MS: '0',
      VELA_WORKER_LEASE_AHEAD: '2',
      VELA_PLUGINS: '@acme/vela-nets, ./plugins/trainer.ts',
    });
    expect(settings).toMatchObject({
      pipelineAddress: 'master.lab:7000',
      reportAddress: '[::1]:7001',
      token: 'secret',
      workerId: 'gpu-host-1.lab',
      cpuSlots: 3,
      memoryBytes: 1024,
      labels: { zone: 'lab-2', tier: 'fast' },
      backend: 'cpu',
      acquireWaitMs: 100,
      drainMs: 0,
      progressIntervalMs: 250,
      leaseAheadBelowMs: 0,
      leaseAheadPerSlot: 2,
      plugins: ['@acme/vela-nets', resolve('plugins/trainer.ts')],
    });
  });

  it.each([
    [{ VELA_WORKER_CPU_SLOTS: 'many' }, "VELA_WORKER_CPU_SLOTS: must be an integer >= 0, got 'many'"],
    [{ VELA_WORKER_CPU_SLOTS: '-1' }, "VELA_WORKER_CPU_SLOTS: must be an integer >= 0, got '-1'"],
    [{ VELA_WORKER_PROGRESS_MS: '0.5' }, "VELA_WORKER_PROGRESS_MS: must be an integer >= 0, got '0.5'"],
    [{ VELA_WORKER_LEASE_AHEAD_BELOW_MS: 'short' }, "VELA_WORKER_LEASE_AHEAD_BELOW_MS: must be an integer >= 0, got 'short'"],
    [{ VELA_WORKER_LEASE_AHEAD: '-1' }, "VELA_WORKER_LEASE_AHEAD: must be an integer >= 0, got '-1'"],
    [{ VELA_PIPELINE_ADDRESS: 'http://master' }, "VELA_PIPELINE_ADDRESS: must be host:port, got 'http://master'"],
    [{ VELA_WORKER_ID: 'my worker' }, 'VELA_WORKER_ID: must start with a letter'],
    [{ VELA_WORKER_LABELS: 'zone' }, "VELA_WORKER_LABELS: must be key=value pairs separated by commas, got 'zone'"],
    [{ VELA_WORKER_BACKEND: 'cuda' }, "VELA_WORKER_BACKEND: must be one of auto, tensorflow, wasm, cpu, got 'cuda'"],
  ])('refuses %p, naming the variable', (env, message) => {
    expect(() => workerSettingsFromEnv(env)).toThrow(message);
  });

  it('derives a valid id from any host name', () => {
    expect(defaultWorkerId('gpu host #1.lab')).toBe('gpu-host--1.lab');
    expect(defaultWorkerId('-.-')).toBe('worker');
  });
});
