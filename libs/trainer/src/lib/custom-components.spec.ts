import type * as tf from '@tensorflow/tfjs';
import { registry } from '@vela/registry';
import { Callback, type EpochLogs, type Metric, Trainer } from '../index';
import { InMemoryReporter, TINY, useCpuBackend } from '../testing';

beforeAll(useCpuBackend);

/** 1 - accuracy, counted on the JS side: a user's own metric. */
class ErrorRateMetric implements Metric {
  readonly name = 'error_rate';
  readonly objective = 'MIN';
  private wrong = 0;
  private count = 0;
  reset(): void {
    this.wrong = this.count = 0;
  }
  update(output: tf.Tensor, target: tf.Tensor): void {
    const predicted = output.argMax(1);
    const labels = target.dataSync();
    predicted.dataSync().forEach((p, i) => (this.wrong += p === labels[i] ? 0 : 1));
    predicted.dispose();
    this.count += labels.length;
  }
  summary(): Record<string, number> {
    return { error_rate: this.count ? this.wrong / this.count : 1 };
  }
}

/** Adds the epoch's squared learning rate to the performance: a user's own callback with a parameter. */
class LrSquaredCallback extends Callback {
  readonly name = 'LrSquared';
  constructor(private readonly scale: number) {
    super();
  }
  override afterEpoch(_epoch: number, logs: EpochLogs): void {
    logs.summaryPerfs['lr_squared'] = this.scale * logs.lr ** 2;
  }
}

describe('components registered by users', () => {
  beforeAll(() => {
    registry.register('metric', 'error_rate', () => new ErrorRateMetric());
    registry.register('callback', 'LrSquared', (args) => new LrSquaredCallback(args.number('scale', 1)));
  });

  afterAll(() => {
    registry.unregister('metric', 'error_rate');
    registry.unregister('callback', 'LrSquared');
  });

  it('are found by their config type and drive the record', async () => {
    const reporter = new InMemoryReporter();
    const config = {
      ...TINY.config,
      epochs: 2,
      metric: [{ type: 'error_rate' }, { type: 'accuracy' }],
      callbacks: [{ type: 'LrSquared', params: { scale: 100 } }],
    };
    const trainer = new Trainer({ ...TINY, config, reporter, log: () => undefined });
    expect(trainer.primaryMetric).toEqual({ key: 'error_rate', mode: 'min' });
    const result = await trainer.train();
    trainer.dispose();
    const last = reporter.records[1];
    expect(last.performance['error_rate']).toBeCloseTo(1 - last.performance['accuracy'], 10);
    expect(last.performance['lr_squared']).toBeCloseTo(100 * 0.1 ** 2, 10);
    const bestError = Math.min(...reporter.records.map((r) => r.performance['error_rate']));
    expect(result.best?.performance['error_rate']).toBe(bestError);
  });
});
