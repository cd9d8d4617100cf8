import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from './lib/load-config';
import { createConfigTestRegistry } from './testing';

// The runnable configs of examples/ load as they are (npm start runs examples/default.yml).
const EXAMPLES = join(__dirname, '..', '..', '..', 'examples');
const registry = createConfigTestRegistry();

function loadExample(name: string) {
  return loadConfig(readFileSync(join(EXAMPLES, name), 'utf8'), { filePath: `examples/${name}`, registry });
}

describe('examples/', () => {
  const files = readdirSync(EXAMPLES).filter((name) => /\.ya?ml$/.test(name));

  it('holds the default job and the further examples', () => {
    expect(files).toEqual(expect.arrayContaining(['default.yml', 'hpo-tpe.yml', 'nas-ea.yml']));
  });

  it.each(files)('%s loads without errors or warnings', (name) => {
    const { config, warnings } = loadExample(name);
    expect(warnings).toEqual([]);
    expect(config.pipeline.length).toBeGreaterThan(0);
  });

  it('default.yml runs hpo, nas, fully_train and benchmark, each reading the previous step', () => {
    const { config } = loadExample('default.yml');
    const [hpo, nas, fullyTrain, benchmark] = config.pipeline;
    expect(config.pipeline.map((step) => `${step.name}:${step.pipe_step.type}`)).toEqual([
      'hpo:SearchPipeStep',
      'nas:SearchPipeStep',
      'fully_train:TrainPipeStep',
      'benchmark:BenchmarkPipeStep',
    ]);
    expect(hpo.search_algorithm?.policy).toEqual({ num_sample: 8 });
    expect(hpo.trainer?.epochs).toBe(1);
    expect(nas.trainer?.hps_file?.step).toBe('hpo');
    expect(nas.model).toEqual(hpo.model);
    expect(fullyTrain.pipe_step.models_folder).toEqual({ path: './tasks/output/nas/', step: 'nas' });
    expect(fullyTrain.dataset?.train).toEqual({ max_samples: 20000 });
    expect(fullyTrain.trainer?.epochs).toBe(3);
    expect(benchmark.pipe_step.models_folder?.step).toBe('fully_train');
    expect(config.general.quota?.text).toBe('flops < 0.1 and params < 1000');
  });
});
