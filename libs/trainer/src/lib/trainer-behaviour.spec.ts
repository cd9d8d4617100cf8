import * as tf from '@tensorflow/tfjs';
import { Callback, type StepLogs, Trainer } from '../index';
import { InMemoryReporter, TINY, useCpuBackend } from '../testing';

beforeAll(useCpuBackend);

const quiet = { log: () => undefined };

describe('Trainer behaviour', () => {
  it('rejects a desc outside limits before training, with a record instead of a crash', async () => {
    const reporter = new InMemoryReporter();
    const trainer = new Trainer({ ...TINY, config: { ...TINY.config, limits: { param_range: [0, 1] } }, reporter, ...quiet });
    const result = await trainer.train();
    trainer.dispose();
    expect(result.status).toBe('rejected');
    expect(result.message).toBe('params 1.316 (thousands) outside trainer.limits.param_range [0, 1]');
    expect(reporter.records).toEqual([expect.objectContaining({ epoch: 0, status: 'rejected', message: result.message, performance: { flops: 1.28e-6, params: 1.316 } })]);
  });

  it('rejects by flop_range in billions of multiply-accumulates', async () => {
    const trainer = new Trainer({ ...TINY, config: { ...TINY.config, limits: { flop_range: [0.001, 1] } }, ...quiet });
    expect((await trainer.train()).message).toBe('flops 0.00000128 (billions of MACs) outside trainer.limits.flop_range [0.001, 1]');
    trainer.dispose();
  });

  it('measures latency for latency_range (ms per example, forward, batch 1)', async () => {
    const rejected = new Trainer({ ...TINY, config: { ...TINY.config, limits: { latency_range: [0, 1e-9] } }, ...quiet });
    expect((await rejected.train()).message).toMatch(/^latency [\d.e-]+ ms outside trainer.limits.latency_range \[0, 1e-9\]$/);
    expect(await rejected.measureLatency()).toBeGreaterThan(0);
    rejected.dispose();
    const accepted = new Trainer({ ...TINY, config: { ...TINY.config, epochs: 1, limits: { latency_range: [0, 1e6] } }, ...quiet });
    expect((await accepted.train()).status).toBe('succeeded');
    accepted.dispose();
  });

  it('stops at the next step boundary when the signal is raised', async () => {
    const signal = { aborted: false };
    class StopAtThirdStep extends Callback {
      readonly name = 'StopAtThirdStep';
      override afterTrainStep(batchIndex: number, _logs: StepLogs): void {
        if (batchIndex === 2) signal.aborted = true;
      }
    }
    const steps: number[] = [];
    class CountSteps extends Callback {
      readonly name = 'CountSteps';
      override beforeTrainStep(batchIndex: number): void {
        steps.push(batchIndex);
      }
    }
    const trainer = new Trainer({ ...TINY, signal, ...quiet });
    (trainer.callbacks.callbacks as Callback[]).push(new StopAtThirdStep(), new CountSteps());
    for (const callback of trainer.callbacks.callbacks) callback.setTrainer(trainer);
    const before = tf.memory().numTensors;
    const result = await trainer.train();
    expect(result).toMatchObject({ status: 'stopped', epochsCompleted: 0, message: 'stopped: stop signal' });
    expect(steps).toEqual([0, 1, 2]);
    expect(tf.memory().numTensors).toBe(before + trainer.model.trainableWeights.length); // + the momentum buffers
    trainer.dispose();
  });

  it('also stops between validation steps', async () => {
    const signal = { aborted: false, reason: 'run cancelled' };
    class StopInValidation extends Callback {
      readonly name = 'StopInValidation';
      override afterValidStep(): void {
        signal.aborted = true;
      }
    }
    const reporter = new InMemoryReporter();
    const trainer = new Trainer({ ...TINY, signal, reporter, ...quiet });
    (trainer.callbacks.callbacks as Callback[]).push(new StopInValidation());
    for (const callback of trainer.callbacks.callbacks) callback.setTrainer(trainer);
    expect(await trainer.train()).toMatchObject({ status: 'stopped', epochsCompleted: 0, message: 'stopped: run cancelled' });
    expect(reporter.records).toEqual([]);
    trainer.dispose();
  });

  it('calls the ten hooks in Vega order', async () => {
    const calls: string[] = [];
    const hooks = ['beforeTrain', 'beforeEpoch', 'beforeTrainStep', 'afterTrainStep', 'beforeValid', 'beforeValidStep', 'afterValidStep', 'afterValid', 'afterEpoch', 'afterTrain'] as const;
    class Recorder extends Callback {
      readonly name = 'Recorder';
    }
    const recorder = new Recorder();
    for (const hook of hooks) (recorder as unknown as Record<string, () => void>)[hook] = () => void calls.push(hook);
    const dataset = { ...TINY.dataset, common: { ...TINY.dataset.common, num_samples: 64, num_test: 32 } };
    const trainer = new Trainer({ ...TINY, dataset, config: { ...TINY.config, epochs: 1 }, ...quiet });
    (trainer.callbacks.callbacks as Callback[]).push(recorder);
    recorder.setTrainer(trainer);
    await trainer.train();
    trainer.dispose();
    expect(calls).toEqual([
      'beforeTrain',
      'beforeEpoch',
      ...Array(2).fill(['beforeTrainStep', 'afterTrainStep']).flat(),
      'beforeValid',
      'beforeValidStep',
      'afterValidStep',
      'afterValid',
      'afterEpoch',
      'afterTrain',
    ]);
  });

  it('clips gradients, steps the rate per batch, and validates every valid_interval epochs', async () => {
    const reporter = new InMemoryReporter();
    const config = {
      ...TINY.config,
      epochs: 3,
      grad_clip: 0.5,
      valid_interval: 2,
      lr_scheduler: { type: 'WarmupScheduler', by_epoch: false, params: { warmup_epochs: 2, warmup_ratio: 0 } },
    };
    const trainer = new Trainer({ ...TINY, config, reporter, ...quiet });
    const rates: number[] = [];
    class RateProbe extends Callback {
      readonly name = 'RateProbe';
      override readonly priority = 300;
      override afterTrainStep(): void {
        rates.push(this.trainer.optimizer.lr);
      }
    }
    const probe = new RateProbe();
    (trainer.callbacks.callbacks as Callback[]).push(probe);
    probe.setTrainer(trainer);
    await trainer.train();
    trainer.dispose();
    expect(rates[0]).toBe(0);
    expect(rates[4]).toBeCloseTo(0.1 * (4 / 8 / 2), 10);
    expect(rates[rates.length - 1]).toBe(0.1);
    expect(reporter.records.map((r) => Object.keys(r.performance).sort())).toEqual([['flops', 'params'], ['accuracy', 'flops', 'params'], ['accuracy', 'flops', 'params']]);
  });
});
