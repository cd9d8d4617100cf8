import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@vela/errors';
import type { Optimizer, OptimizerState } from '../trainer.types';

/**
 * Shared by Vela's optimizers: named per-variable state slots (momentum buffers, moments),
 * created on first use, saved and restored by name for checkpoints.
 */
export abstract class OptimizerBase implements Optimizer {
  abstract readonly name: string;
  /** Update count, for bias corrections. */
  protected steps = 0;
  private readonly slots = new Map<string, tf.Variable[]>();

  constructor(public lr: number) {}

  step(variables: readonly tf.Variable[], gradients: readonly tf.Tensor[]): void {
    this.steps++;
    tf.tidy(() => variables.forEach((variable, i) => this.update(variable, gradients[i], i)));
  }

  /** Updates one variable; runs inside a tidy. */
  protected abstract update(variable: tf.Variable, gradient: tf.Tensor, index: number): void;

  /** Slot `name` of variable `index`, created from `init` (a tensor to copy) on first use. */
  protected slot(name: string, index: number, init: () => tf.Tensor): { value: tf.Variable; fresh: boolean } {
    let list = this.slots.get(name);
    if (!list) this.slots.set(name, (list = []));
    const existing = list[index];
    if (existing) return { value: existing, fresh: false };
    const value = tf.keep(tf.variable(init(), false));
    list[index] = value;
    return { value, fresh: true };
  }

  getState(): OptimizerState {
    const tensors = new Map<string, tf.Tensor>();
    for (const [name, list] of this.slots) list.forEach((value, i) => value && tensors.set(`${name}/${i}`, value.clone()));
    return { scalars: { steps: this.steps, lr: this.lr }, tensors };
  }

  setState(state: OptimizerState, variables: readonly tf.Variable[]): void {
    this.disposeSlots();
    this.steps = state.scalars['steps'] ?? 0;
    for (const [key, tensor] of state.tensors) {
      const [name, index] = [key.slice(0, key.lastIndexOf('/')), Number(key.slice(key.lastIndexOf('/') + 1))];
      const variable = variables[index];
      if (!variable || !tf.util.arraysEqual(variable.shape, tensor.shape)) {
        throw new InvalidArgumentError(`optimizer state '${key}' of shape [${tensor.shape}] does not fit the model`, 'checkpoint');
      }
      this.slot(name, index, () => tensor.clone());
    }
  }

  dispose(): void {
    this.disposeSlots();
  }

  private disposeSlots(): void {
    for (const list of this.slots.values()) tf.dispose(list.filter(Boolean));
    this.slots.clear();
  }
}
