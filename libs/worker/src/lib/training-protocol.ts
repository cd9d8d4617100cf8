import type { BackendChoice } from '@vela/compute';
import type { TrainingOutcome } from './trial-training';

/** What a training process is started with (its environment, as JSON in VELA_TRAINING_PROCESS). */
export interface TrainingProcessConfig {
  readonly reportAddress: string;
  readonly token?: string;
  readonly backend: BackendChoice;
  /** Modules to require before training (registrations of plug-ins). */
  readonly plugins: readonly string[];
}

export const TRAINING_PROCESS_ENV = 'VELA_TRAINING_PROCESS';

/** Supervisor → training process. `trial` is `Trial.toJSON` (IPC carries plain JSON). */
export type ToTrainingProcess = { readonly type: 'train'; readonly trial: unknown } | { readonly type: 'stop'; readonly reason: string };

/** Training process → supervisor. */
export type FromTrainingProcess =
  | { readonly type: 'ready'; readonly backend: string; readonly threads: number; readonly device: string; readonly gpus: number }
  | { readonly type: 'progress'; readonly epoch: number; readonly totalEpochs: number; readonly objectives: unknown[] }
  | { readonly type: 'log'; readonly line: string }
  | { readonly type: 'done'; readonly result: TrainingOutcome }
  | { readonly type: 'fatal'; readonly message: string }
  /** The messages of one turn of the child's event loop, in order: one IPC write instead of several. */
  | { readonly type: 'batch'; readonly messages: readonly FromTrainingProcess[] };
