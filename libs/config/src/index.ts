// Public surface of @vela/config.
export { loadConfig, type ConfigCheck, type LoadConfigOptions, type LoadedConfig } from './lib/load-config';
export type {
  DatasetConfig,
  DeepReadonly,
  EvaluatorConfig,
  GeneralConfig,
  ModelConfig,
  PipeStepSection,
  PipelineStepConfig,
  QuotaConfig,
  RunLimits,
  SearchAlgorithmConfig,
  SearchSpaceConfig,
  TrainerConfig,
  VelaConfig,
} from './lib/vela-config';
export { ConfigValidationError, type ConfigProblem } from './lib/problems';
export { RUNTIME_ONLY_KEYS, type ConfigWarning } from './lib/runtime-only-keys';
export {
  COMPARISON_OPERATORS,
  QUOTA_METRICS,
  QuotaSyntaxError,
  evaluateQuota,
  formatQuota,
  parseQuota,
  quotaMetrics,
  type ComparisonOperator,
  type QuotaExpression,
  type QuotaMetric,
} from './lib/quota';
export { parseOverride, type Override } from './lib/overrides';
export { CONDITION_TYPES, HYPERPARAMETER_TYPES, type ConditionType, type HyperparameterType } from './lib/schema/search-space.schema';
export { DATASET_MODES } from './lib/schema/step.schema';
export { OBJECTIVE_GOALS } from './lib/schema/general.schema';
export type { OutputSource } from './lib/schema/output-source.schema';
export { formatPath, type ConfigPath } from './lib/config-path';
