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

/**
 * Supervisor → training process. `trial` is `Trial.toJSON` (IPC carries plain JSON). A
 * process trains its trials one at a time in the order sent: a trial sent while another
 * trains waits in the process (a slot's next short trial, so it starts without a round trip
 * through the supervisor). `stop` names its trial: the one training stops at its next step
 * boundary, a waiting one is dropped and answered STOPPED.
 */
export type ToTrainingProcess = { readonly type: 'train'; readonly trial: unknown } | { readonly type: 'stop'; readonly trialId: string; readonly reason: string };

/** Training process → supervisor; log lines belong to the trial training. */
export type FromTrainingProcess =
  | { readonly type: 'ready'; readonly backend: string; readonly threads: number; readonly device: string; readonly gpus: number }
  | { readonly type: 'progress'; readonly trialId: string; readonly epoch: number; readonly totalEpochs: number; readonly objectives: unknown[] }
  | { readonly type: 'log'; readonly line: string }
  | { readonly type: 'done'; readonly trialId: string; readonly result: TrainingOutcome }
  /** Without a trial: the process cannot go on (its backend did not start). */
  | { readonly type: 'fatal'; readonly trialId?: string; readonly message: string }
  /** The messages of one turn of the child's event loop, in order: one IPC write instead of several. */
  | { readonly type: 'batch'; readonly messages: readonly FromTrainingProcess[] };
