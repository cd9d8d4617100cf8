import { Trial } from '@vela/contracts';
import { createDataset } from '@vela/datasets';
import { trainingSections } from './trial-training';

describe('trainingSections', () => {
  const trial = (partial: Partial<Trial>) => Trial.fromPartial({ id: 't', runId: 'r', stepId: 'hpo', attempt: 1, ...partial });

  it("lays the trial's hyperparameters over the step's sections, with its budget and seed", () => {
    const sections = trainingSections(
      trial({
        stepConfig: {
          trainer: { type: 'Trainer', epochs: 10, seed: 1, optimizer: { type: 'SGD', params: { lr: 0.1, momentum: 0.9 } } },
          dataset: { type: 'FashionMnist', common: { batch_size: 64, train_portion: 0.9 } },
        },
        hyperparameters: { trainer: { optimizer: { params: { lr: 0.003 } } }, dataset: { common: { batch_size: 128 } } },
        budgetEpochs: 3,
        seed: 42,
      }),
    );
    expect(sections).toEqual({
      trainerSection: { type: 'Trainer', epochs: 3, seed: 42, optimizer: { type: 'SGD', params: { lr: 0.003, momentum: 0.9 } } },
      datasetSection: { type: 'FashionMnist', common: { batch_size: 128, train_portion: 0.9 } },
    });
  });

  it("applies a searched dataset key (dataset.batch_size) over the step's common setting, below a mode's own", () => {
    const { datasetSection } = trainingSections(
      trial({
        stepConfig: { dataset: { type: 'Synthetic', common: { batch_size: 16, num_samples: 64 }, test: { batch_size: 1024 } } },
        hyperparameters: { dataset: { batch_size: 8 } },
      }),
    );
    expect(datasetSection).toEqual({ type: 'Synthetic', common: { batch_size: 8, num_samples: 64 }, test: { batch_size: 1024 } });
    expect(createDataset(datasetSection, 'train').batchSize).toBe(8);
    expect(createDataset(datasetSection, 'test').batchSize).toBe(1024);
  });

  it("keeps the step's epochs and seed when the trial sets neither, and replaces lists whole", () => {
    const { trainerSection } = trainingSections(
      trial({ stepConfig: { trainer: { epochs: 5, metric: [{ type: 'accuracy' }] }, dataset: { type: 'Synthetic' } }, hyperparameters: { trainer: { metric: [{ type: 'mse' }] } } }),
    );
    expect(trainerSection).toEqual({ epochs: 5, metric: [{ type: 'mse' }] });
  });

  it('says the master must send the dataset section when the trial lacks it', () => {
    expect(() => trainingSections(trial({ stepConfig: { trainer: {} } }))).toThrow(
      "step_config.dataset: is missing: the master must send the step's resolved dataset section with the trial",
    );
    expect(() => trainingSections(trial({ stepConfig: { trainer: 'fast', dataset: {} } }))).toThrow('step_config.trainer: must be a mapping, got "fast"');
  });
});
