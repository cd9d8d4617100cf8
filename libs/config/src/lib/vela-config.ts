import type { ConfigOutput } from './schema/config.schema';

/** Readonly all the way down: a loaded config is a value, shared without defensive copies. */
export type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly (infer Item)[]
    ? readonly DeepReadonly<Item>[]
    : T extends object
      ? { readonly [Key in keyof T]: DeepReadonly<T[Key]> }
      : T;

/**
 * A loaded, normalised config (the schemas' output): `general` with its defaults filled and
 * `pipeline` as the steps in order, each with its name and sections. Plain JSON data, so it
 * travels as the run's resolved config.
 */
export type VelaConfig = DeepReadonly<ConfigOutput>;
export type GeneralConfig = VelaConfig['general'];
export type RunLimits = GeneralConfig['limits'];
export type QuotaConfig = NonNullable<GeneralConfig['quota']>;
export type PipelineStepConfig = VelaConfig['pipeline'][number];
export type PipeStepSection = PipelineStepConfig['pipe_step'];
export type DatasetConfig = NonNullable<PipelineStepConfig['dataset']>;
export type SearchSpaceConfig = NonNullable<PipelineStepConfig['search_space']>;
export type SearchAlgorithmConfig = NonNullable<PipelineStepConfig['search_algorithm']>;
export type TrainerConfig = NonNullable<PipelineStepConfig['trainer']>;
export type EvaluatorConfig = NonNullable<PipelineStepConfig['evaluator']>;
export type ModelConfig = NonNullable<PipelineStepConfig['model']>;
