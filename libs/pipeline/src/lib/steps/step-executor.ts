import { registry } from '@vela/registry';
import type { StepContext } from '../step-context';

/**
 * A pipe step (Vega's PipeStep): drives one step of a run until it ends. It must be
 * resumable: after a master restart it is called again on the same step and continues
 * from what the database holds (trials already created are not created again).
 */
export interface StepExecutor {
  /** Resolves when the step's work is done (its trials ended); throws StepFailedError to fail the step. */
  execute(context: StepContext): Promise<void>;
}

export type StepExecutorFactory = () => StepExecutor;

declare module '@vela/registry' {
  interface RegistryFactories {
    pipe_step: StepExecutorFactory;
  }
}

/** The step cannot succeed (too many failed trials, no model to train, ...); the run fails with this message. */
export class StepFailedError extends Error {}

export function registerPipeStep(name: string, factory: StepExecutorFactory, description: string): void {
  if (!registry.has('pipe_step', name)) registry.register('pipe_step', name, factory, { description });
}
