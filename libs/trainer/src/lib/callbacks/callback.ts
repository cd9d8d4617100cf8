import type { Trainer } from '../trainer';
import type { EpochLogs, StepLogs, TrainLogs } from '../trainer.types';

type Hook = void | Promise<void>;

/**
 * Vega's Callback: ten hook points around the training loop. Override the hooks you need;
 * all may be async (the trainer awaits each in turn).
 *
 * Call order per run: beforeTrain, then per epoch beforeEpoch, (beforeTrainStep,
 * afterTrainStep) per batch, on validated epochs beforeValid, (beforeValidStep,
 * afterValidStep) per batch, afterValid, then afterEpoch; finally afterTrain. Within one hook,
 * callbacks run by ascending `priority`: ModelStatistics 220, MetricsEvaluator 230,
 * PerformanceSaver 235, EarlyStopping 238, ModelCheckpoint 240, LearningRateScheduler 260,
 * ProgressLogger 270, ReportCallback 280; others 250 by default, so that a callback sees the
 * epoch's metrics and what it adds to `summaryPerfs` reaches the record.
 *
 * A callback with state that must survive a resume returns it from `state()` (JSON) and takes
 * it back in `restore()`; ModelCheckpoint saves it with each checkpoint.
 */
export abstract class Callback {
  abstract readonly name: string;
  readonly priority: number = 250;
  private attached?: Trainer;

  /** The trainer this callback serves (set before beforeTrain). */
  protected get trainer(): Trainer {
    if (!this.attached) throw new Error(`callback ${this.name} is not attached to a trainer`);
    return this.attached;
  }

  setTrainer(trainer: Trainer): void {
    this.attached = trainer;
  }

  beforeTrain(_logs: TrainLogs): Hook {}
  beforeEpoch(_epoch: number, _logs: EpochLogs): Hook {}
  beforeTrainStep(_batchIndex: number, _logs: StepLogs): Hook {}
  afterTrainStep(_batchIndex: number, _logs: StepLogs): Hook {}
  beforeValid(_logs: EpochLogs): Hook {}
  beforeValidStep(_batchIndex: number, _logs: StepLogs): Hook {}
  afterValidStep(_batchIndex: number, _logs: StepLogs): Hook {}
  afterValid(_logs: EpochLogs): Hook {}
  afterEpoch(_epoch: number, _logs: EpochLogs): Hook {}
  afterTrain(_logs: TrainLogs): Hook {}

  state(): unknown {
    return undefined;
  }

  restore(_state: unknown): void {}
}

type HookName = Exclude<keyof Callback, 'name' | 'priority' | 'setTrainer' | 'state' | 'restore'>;

/** The trainer's callbacks in priority order (stable for equal priorities), calling one hook on all. */
export class CallbackList {
  readonly callbacks: readonly Callback[];

  constructor(callbacks: readonly Callback[], trainer: Trainer) {
    this.callbacks = [...callbacks].sort((a, b) => a.priority - b.priority);
    for (const callback of this.callbacks) callback.setTrainer(trainer);
  }

  async call<H extends HookName>(hook: H, ...args: Parameters<Callback[H]>): Promise<void> {
    for (const callback of this.callbacks) {
      await (callback[hook] as (...a: Parameters<Callback[H]>) => Hook)(...args);
    }
  }

  find<T extends Callback>(name: string): T | undefined {
    return this.callbacks.find((c) => c.name === name) as T | undefined;
  }

  /** Each stateful callback's state by name, for a checkpoint. */
  states(): Record<string, unknown> {
    const states: Record<string, unknown> = {};
    for (const callback of this.callbacks) {
      const state = callback.state();
      if (state !== undefined) states[callback.name] = state;
    }
    return states;
  }

  restore(states: Readonly<Record<string, unknown>>): void {
    for (const callback of this.callbacks) if (states[callback.name] !== undefined) callback.restore(states[callback.name]);
  }
}
