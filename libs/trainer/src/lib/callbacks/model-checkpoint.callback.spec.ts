import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Callback, FolderArtifactStore, InMemoryArtifactStore, type Reporter, Trainer, decodeCheckpoint } from '../../index';
import { InMemoryReporter, TINY, useCpuBackend } from '../../testing';

beforeAll(useCpuBackend);

const quiet = { log: () => undefined };

/** The model's weights as plain arrays. */
function weightsOf(trainer: Trainer): number[][] {
  return trainer.model.getWeights().map((w) => [...w.dataSync()]);
}

describe('ModelCheckpoint', () => {
  it('resumes a stopped trial from its last epoch checkpoint with the same continuation', async () => {
    const config = { ...TINY.config, epochs: 3, optimizer: { type: 'Adam', params: { lr: 0.01 } } };
    const uninterrupted = new Trainer({ ...TINY, config, ...quiet });
    const reference = await uninterrupted.train();
    const expected = weightsOf(uninterrupted);
    uninterrupted.dispose();

    const store = new InMemoryArtifactStore();
    const signal = { aborted: false, reason: 'cancelled by the master' };
    const first = new InMemoryReporter();
    const stopAfterFirstEpoch: Reporter = {
      report: (record) => {
        first.report(record);
        signal.aborted = true;
      },
    };
    const interrupted = new Trainer({ ...TINY, config, artifacts: store, artifactPrefix: 'trials/7', reporter: stopAfterFirstEpoch, signal, ...quiet });
    const stopped = await interrupted.train();
    interrupted.dispose();
    expect(stopped).toMatchObject({ status: 'stopped', epochsCompleted: 1, message: 'stopped: cancelled by the master' });
    expect(first.records.map((r) => r.checkpoint)).toEqual(['trials/7/checkpoint.vela']);
    expect(store.keys()).toEqual(['trials/7/checkpoint.vela', 'trials/7/model_best.vela', 'trials/7/performance.json']);

    const second = new InMemoryReporter();
    const resumed = new Trainer({ ...TINY, config, artifacts: store, artifactPrefix: 'trials/7', reporter: second, ...quiet });
    const result = await resumed.train();
    expect(second.records.map((r) => r.epoch)).toEqual([1, 2]);
    expect(result).toMatchObject({ status: 'succeeded', epochsCompleted: 3 });
    expect(result.lastRecord?.performance).toEqual(reference.lastRecord?.performance);
    weightsOf(resumed).forEach((w, i) => expect(w).toEqual(expected[i]));
    resumed.dispose();
  });

  it('stores the desc, the optimizer state and the epoch in the checkpoint', async () => {
    const store = new InMemoryArtifactStore();
    const trainer = new Trainer({ ...TINY, config: { ...TINY.config, epochs: 1 }, artifacts: store, ...quiet });
    await trainer.train();
    const checkpoint = decodeCheckpoint((await store.get('checkpoint.vela')) as Uint8Array);
    expect(checkpoint.meta).toMatchObject({ kind: 'checkpoint', epoch: 0, finished: true, desc: TINY.desc, optimizer: { name: 'SGD', scalars: { steps: 8 } } });
    const names = [...checkpoint.tensors.keys()];
    expect(names.filter((n) => n.startsWith('weights/'))).toHaveLength(trainer.model.weights.length);
    expect(names.filter((n) => n.startsWith('optimizer/momentum_buffer/'))).toHaveLength(trainer.model.trainableWeights.length);
    tf.dispose([...checkpoint.tensors.values()]);
    const best = decodeCheckpoint((await store.get('model_best.vela')) as Uint8Array);
    expect(best.meta).toMatchObject({ kind: 'model_best', epoch: 0, desc: TINY.desc });
    tf.dispose([...best.tensors.values()]);
    const performance = JSON.parse(new TextDecoder().decode(await store.get('performance.json')));
    expect(performance).toMatchObject({ primary: 'accuracy', best_epoch: 0 });
    trainer.dispose();
  });

  it('a finished trial resumes to its result without training', async () => {
    const store = new InMemoryArtifactStore();
    const config = { ...TINY.config, epochs: 1 };
    const done = new Trainer({ ...TINY, config, artifacts: store, ...quiet });
    const original = await done.train();
    done.dispose();
    const reporter = new InMemoryReporter();
    const again = new Trainer({ ...TINY, config, artifacts: store, reporter, ...quiet });
    const result = await again.train();
    again.dispose();
    expect(reporter.records).toEqual([]);
    expect(result).toMatchObject({ status: 'succeeded', epochsCompleted: 1 });
    expect(result.lastRecord?.performance).toEqual(original.lastRecord?.performance);
  });

  it('continues a finished trial when a promotion asks for more epochs', async () => {
    const store = new InMemoryArtifactStore();
    const rung = new Trainer({ ...TINY, config: { ...TINY.config, epochs: 1 }, artifacts: store, ...quiet });
    await rung.train();
    rung.dispose();
    const reporter = new InMemoryReporter();
    const promoted = new Trainer({ ...TINY, config: { ...TINY.config, epochs: 3 }, artifacts: store, reporter, ...quiet });
    expect(await promoted.train()).toMatchObject({ status: 'succeeded', epochsCompleted: 3 });
    expect(reporter.records.map((r) => r.epoch)).toEqual([1, 2]);
    promoted.dispose();
  });

  it("starts a new trial from another trial's weights (a PBT child from its parent)", async () => {
    const store = new InMemoryArtifactStore();
    const parent = new Trainer({ ...TINY, config: { ...TINY.config, epochs: 2 }, artifacts: store, artifactPrefix: 'trials/1', ...quiet });
    await parent.train();
    const parentWeights = weightsOf(parent);
    parent.dispose();
    const child = new Trainer({ ...TINY, config: { ...TINY.config, epochs: 1, seed: 99 }, artifacts: store, artifactPrefix: 'trials/2', initFrom: 'trials/1/checkpoint.vela', ...quiet });
    const seen: number[][][] = [];
    (child.callbacks.callbacks as Callback[]).push(
      new (class extends Callback {
        readonly name = 'FirstWeights';
        override beforeEpoch(): void {
          seen.push(weightsOf(child));
        }
      })(),
    );
    for (const callback of child.callbacks.callbacks) callback.setTrainer(child);
    expect((await child.train()).epochsCompleted).toBe(1);
    expect(seen[0]).toEqual(parentWeights);
    expect(store.keys()).toContain('trials/2/checkpoint.vela');
    child.dispose();
    expect(() => new Trainer({ ...TINY, initFrom: 'x.vela', ...quiet })).toThrow('initFrom: needs an artifact store to read from');
  });

  it("starts from init_model_file, a Vela checkpoint file on this host (Vega's key)", async () => {
    const folder = mkdtempSync(join(tmpdir(), 'vela-init-'));
    try {
      const store = new FolderArtifactStore(folder);
      const source = new Trainer({ ...TINY, config: { ...TINY.config, epochs: 1 }, artifacts: store, ...quiet });
      await source.train();
      const trained = weightsOf(source);
      source.dispose();
      const file = join(folder, 'model_best.vela');
      const seen: number[][][] = [];
      const started = new Trainer({ ...TINY, config: { ...TINY.config, epochs: 1, init_model_file: file }, ...quiet });
      (started.callbacks.callbacks as Callback[]).push(
        new (class extends Callback {
          readonly name = 'FirstWeights';
          override beforeEpoch(): void {
            seen.push(weightsOf(started));
          }
        })(),
      );
      for (const callback of started.callbacks.callbacks) callback.setTrainer(started);
      await started.train();
      started.dispose();
      expect(seen[0]).toEqual(trained);
      expect(() => new Trainer({ ...TINY, config: { ...TINY.config, pretrained_model_file: join(folder, 'resnet20.pth') }, ...quiet })).toThrow(
        `trainer.init_model_file: ${join(folder, 'resnet20.pth')} is not a file on this host`,
      );
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('refuses a checkpoint written for another desc', async () => {
    const store = new InMemoryArtifactStore();
    const first = new Trainer({ ...TINY, config: { ...TINY.config, epochs: 1 }, artifacts: store, ...quiet });
    await first.train();
    first.dispose();
    const other = { modules: ['backbone'], backbone: { type: 'MLP', hidden_units: [16], num_class: 4 } };
    const second = new Trainer({ ...TINY, desc: other, config: { ...TINY.config, epochs: 2 }, artifacts: store, ...quiet });
    await expect(second.train()).rejects.toThrow('checkpoint.vela: was written for another desc; refusing to load it');
    second.dispose();
  });
});
