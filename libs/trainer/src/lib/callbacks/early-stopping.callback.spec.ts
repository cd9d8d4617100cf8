import { Callback, InMemoryArtifactStore, Trainer } from '../../index';
import { InMemoryReporter, TINY, useCpuBackend } from '../../testing';

beforeAll(useCpuBackend);

describe('EarlyStopping', () => {
  it('ends training when the monitored metric stops improving, and a resume stays ended', async () => {
    // lr 0 keeps the network (and its accuracy) where it starts: no epoch improves on the first.
    const config = { ...TINY.config, epochs: 6, optimizer: { type: 'SGD', params: { lr: 1e-12 } }, callbacks: [{ type: 'EarlyStopping', params: { patience: 2 } }] };
    const store = new InMemoryArtifactStore();
    const reporter = new InMemoryReporter();
    const trainer = new Trainer({ ...TINY, config, reporter, artifacts: store, log: () => undefined });
    const result = await trainer.train();
    trainer.dispose();
    expect(result.status).toBe('succeeded');
    expect(result.epochsCompleted).toBe(3);
    expect(result.message).toBe(`early stopping after epoch 3: accuracy did not improve on ${reporter.records[0].performance['accuracy']} for 2 epochs`);
    expect(reporter.records.map((r) => r.status)).toEqual(['running', 'running', 'succeeded']);

    const again = new InMemoryReporter();
    const resumed = new Trainer({ ...TINY, config, reporter: again, artifacts: store, log: () => undefined });
    expect((await resumed.train()).epochsCompleted).toBe(3);
    expect(again.records).toEqual([]);
    resumed.dispose();
  });

  it('monitors loss or another key by name, and names a key validation lacks', async () => {
    const config = { ...TINY.config, epochs: 2, callbacks: [{ type: 'EarlyStopping', params: { monitor: 'top5', patience: 1 } }] };
    const trainer = new Trainer({ ...TINY, config, log: () => undefined });
    const steps: number[] = [];
    (trainer.callbacks.callbacks as Callback[]).push(
      new (class extends Callback {
        readonly name = 'CountSteps';
        override afterTrainStep(batchIndex: number): void {
          steps.push(batchIndex);
        }
      })(),
    );
    for (const callback of trainer.callbacks.callbacks) callback.setTrainer(trainer);
    await expect(trainer.train()).rejects.toThrow("trainer.callbacks.EarlyStopping.monitor: monitors 'top5', which validation does not report (it reports loss, accuracy)");
    expect(steps).toEqual([]); // refused before training
    trainer.dispose();

    const byLoss = new Trainer({ ...TINY, config: { ...config, callbacks: [{ type: 'EarlyStopping', params: { monitor: 'loss', patience: 1 } }] }, log: () => undefined });
    expect((await byLoss.train()).status).toBe('succeeded');
    byLoss.dispose();
  });
});
