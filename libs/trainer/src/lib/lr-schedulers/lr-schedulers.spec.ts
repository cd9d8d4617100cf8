import { createLrScheduler } from '../../index';

const schedule = (config: unknown, epochs: number[], context = { epochs: 10 }) => {
  const scheduler = createLrScheduler(config, 'lr_scheduler', context);
  return epochs.map((e) => Number(scheduler.lrAt(e, 0.1).toPrecision(6)));
};

describe('lr schedulers (PyTorch semantics, by epoch)', () => {
  it('StepLR', () => {
    expect(schedule({ type: 'StepLR', params: { step_size: 2, gamma: 0.5 } }, [0, 1, 2, 3, 4])).toEqual([0.1, 0.1, 0.05, 0.05, 0.025]);
  });

  it('MultiStepLR', () => {
    expect(schedule({ type: 'MultiStepLR', params: { milestones: [1, 3], gamma: 0.1 } }, [0, 1, 2, 3])).toEqual([0.1, 0.01, 0.01, 0.001]);
  });

  it('CosineAnnealingLR, with T_max defaulting to the epochs', () => {
    expect(schedule({ type: 'CosineAnnealingLR', params: { T_max: 4, eta_min: 0.02 } }, [0, 2, 4, 6])).toEqual([0.1, 0.06, 0.02, 0.02]);
    expect(schedule('CosineAnnealingLR', [0, 5, 10], { epochs: 10 })).toEqual([0.1, 0.05, 0]);
  });

  it('ExponentialLR', () => {
    expect(schedule({ type: 'ExponentialLR', gamma: 0.5 }, [0, 1, 2])).toEqual([0.1, 0.05, 0.025]);
  });

  it('WarmupScheduler rises linearly, then hands over to its after scheduler', () => {
    const config = { type: 'WarmupScheduler', params: { warmup_epochs: 2, warmup_ratio: 0.5, after_scheduler_config: { type: 'StepLR', params: { step_size: 1, gamma: 0.5 } } } };
    expect(schedule(config, [0, 1, 1.5, 2, 3])).toEqual([0.05, 0.075, 0.0875, 0.1, 0.05]);
    expect(() => schedule({ type: 'WarmupScheduler', params: { after_scheduler_config: { type: 'StepLR' } } }, [0])).toThrow(
      'lr_scheduler.params.after_scheduler_config.step_size: is required',
    );
  });
});
