import * as tf from '@tensorflow/tfjs';
import { buildModel, type BuildOptions } from './lib/network-desc';
import { modelStatistics } from './lib/model-statistics';

/**
 * Builds `desc`, returns its output shape and statistics, and disposes the model: what every
 * family spec checks.
 */
export function summarizeDesc(desc: unknown, options: BuildOptions): { outputShape: (number | null)[]; paramCount: number; macs: number } {
  const model = buildModel(desc, options);
  try {
    const { paramCount, macs } = modelStatistics(model);
    return { outputShape: model.outputs[0].shape, paramCount, macs };
  } finally {
    model.dispose();
  }
}

/** Selects the pure-JS backend quietly (specs build and train tiny models on it). */
export async function useCpuBackend(): Promise<void> {
  tf.env().set('IS_TEST', true);
  await tf.setBackend('cpu');
}
