import { readFile } from 'node:fs/promises';
import type * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@vela/errors';
import { artifactKey } from '../artifacts/artifact-store';
import { decodeCheckpoint, encodeCheckpoint } from '../checkpoint/checkpoint';
import type { Trainer } from '../trainer';
import type { EpochLogs, EpochRecord, TrainLogs } from '../trainer.types';
import { Callback } from './callback';

/** The model's weights (trainable and batch-norm statistics) by position, as a checkpoint stores them. */
export function weightTensors(trainer: Trainer): Map<string, tf.Tensor> {
  return new Map(trainer.model.weights.map((weight, i) => [`weights/${i}`, weight.read()]));
}

/** The key of a trial's resumable checkpoint. */
export function checkpointKey(trainer: Trainer): string {
  return artifactKey(trainer.artifactPrefix, 'checkpoint.vela');
}

interface CheckpointMeta {
  readonly kind: 'checkpoint';
  /** The epoch the checkpoint was taken after. */
  readonly epoch: number;
  /** Whether training had ended (its last epoch, or an early stop). */
  readonly finished: boolean;
  /** Set when a callback ended training early: a resume trains no further. */
  readonly stopReason?: string;
  readonly desc: unknown;
  readonly optimizer: { readonly name: string; readonly scalars: Readonly<Record<string, number>> };
  readonly callbacks: Readonly<Record<string, unknown>>;
  readonly record?: EpochRecord;
}

/**
 * Vega's ModelCheckpoint: after every epoch, writes `checkpoint.vela` (the weights, the
 * optimizer's state, the callbacks' states, the desc and the epoch's record) to the artifact
 * store; before training, restores the trial's checkpoint when there is one (and
 * `load_checkpoint` is on), so the trial continues from the epoch after it on any host. The
 * data order and the learning rate depend only on the epoch, so the continuation is the one
 * an uninterrupted run would have had. Without an artifact store it saves nothing (it still
 * loads `init_model_file`).
 */
export class ModelCheckpointCallback extends Callback {
  readonly name = 'ModelCheckpoint';
  override readonly priority = 240;

  /**
   * Restores the trial's own checkpoint; failing that, loads the starting weights of
   * `initFrom` (an artifact) or `init_model_file` (a Vela checkpoint file on this host).
   */
  override async beforeTrain(_logs: TrainLogs): Promise<void> {
    const { artifacts: store, settings } = this.trainer;
    const own = store && settings.loadCheckpoint ? await store.get(checkpointKey(this.trainer)) : undefined;
    if (own) return this.withCheckpoint(own, checkpointKey(this.trainer), (meta, tensors, key) => this.restoreFrom(meta, tensors, key));
    await this.loadStartingWeights();
  }

  /** Loads the starting weights of `initFrom` (an artifact) or `init_model_file` (a Vela checkpoint on this host), if either is set. */
  async loadStartingWeights(): Promise<void> {
    const { artifacts: store, initFrom, settings } = this.trainer;
    if (store && initFrom) {
      const bytes = await store.get(initFrom);
      if (!bytes) throw new InvalidArgumentError(`'${initFrom}' names no artifact in the store`, 'initFrom');
      return this.withCheckpoint(bytes, initFrom, (meta, tensors, key) => this.loadWeights(meta, tensors, key));
    }
    if (settings.initModelFile) {
      const bytes = new Uint8Array(await readFile(settings.initModelFile));
      return this.withCheckpoint(bytes, settings.initModelFile, (meta, tensors, key) => this.loadWeights(meta, tensors, key));
    }
  }

  private withCheckpoint(bytes: Uint8Array, key: string, use: (meta: CheckpointMeta, tensors: ReadonlyMap<string, tf.Tensor>, key: string) => void): void {
    const { meta, tensors } = decodeCheckpoint(bytes, key);
    try {
      use(meta as unknown as CheckpointMeta, tensors, key);
    } finally {
      for (const tensor of tensors.values()) tensor.dispose();
    }
  }

  override async afterEpoch(epoch: number, logs: EpochLogs): Promise<void> {
    const store = this.trainer.artifacts;
    if (!store || !this.trainer.settings.saveCheckpoint) return;
    const trainer = this.trainer;
    const key = checkpointKey(trainer);
    const optimizer = trainer.optimizer.getState();
    try {
      const tensors = weightTensors(trainer);
      for (const [name, tensor] of optimizer.tensors) tensors.set(`optimizer/${name}`, tensor);
      logs.checkpoint = key;
      const meta: CheckpointMeta = {
        kind: 'checkpoint',
        epoch,
        finished: epoch === trainer.epochs - 1 || trainer.stopReason !== undefined,
        stopReason: trainer.stopReason,
        desc: trainer.desc.json,
        optimizer: { name: trainer.optimizer.name, scalars: optimizer.scalars },
        callbacks: trainer.callbacks.states(),
        record: trainer.recordOf(epoch, logs),
      };
      await store.put(key, await encodeCheckpoint(meta as unknown as Record<string, unknown>, tensors));
    } finally {
      for (const tensor of optimizer.tensors.values()) tensor.dispose();
    }
  }

  /** Sets the model's weights from a checkpoint or best-weights artifact written for the same desc. */
  private loadWeights(meta: Pick<CheckpointMeta, 'desc'>, tensors: ReadonlyMap<string, tf.Tensor>, key: string): void {
    const trainer = this.trainer;
    if (JSON.stringify(meta.desc) !== JSON.stringify(trainer.desc.json)) {
      throw new InvalidArgumentError('was written for another desc; refusing to load it', key);
    }
    const weights = trainer.model.weights.map((weight, i) => {
      const tensor = tensors.get(`weights/${i}`);
      if (!tensor || tensor.size !== weight.shape.reduce((a: number, b) => a * (b ?? 1), 1)) {
        throw new InvalidArgumentError(`does not fit the model at weight ${i} (${weight.name})`, key);
      }
      return tensor.reshape(weight.shape as number[]);
    });
    trainer.model.setWeights(weights);
    weights.forEach((tensor) => tensor.dispose());
  }

  private restoreFrom(meta: CheckpointMeta, tensors: ReadonlyMap<string, tf.Tensor>, key: string): void {
    const trainer = this.trainer;
    this.loadWeights(meta, tensors, key);
    if (meta.optimizer.name !== trainer.optimizer.name) {
      throw new InvalidArgumentError(`holds ${meta.optimizer.name} state, the trainer uses ${trainer.optimizer.name}`, key);
    }
    const optimizerTensors = new Map([...tensors].filter(([name]) => name.startsWith('optimizer/')).map(([name, t]) => [name.slice('optimizer/'.length), t]));
    const variables = trainer.model.trainableWeights.map((weight) => weight.read() as tf.Variable);
    trainer.optimizer.setState({ scalars: meta.optimizer.scalars, tensors: optimizerTensors }, variables);
    trainer.callbacks.restore(meta.callbacks);
    // A run that ended early stays ended; one that ran its epochs continues if the config now asks for more.
    trainer.startEpoch = meta.stopReason ? trainer.epochs : meta.epoch + 1;
    if (meta.stopReason) trainer.requestStop(meta.stopReason);
    trainer.lastRecord = meta.record;
    trainer.log(`resumed from ${key} after epoch ${meta.epoch + 1}${meta.finished ? ' (training had finished)' : ''}`);
  }
}
