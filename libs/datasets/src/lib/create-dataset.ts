import { ArgReader } from '@vela/networks';
import { registry } from '@vela/registry';
import { DATASET_MODES, type Dataset, type DatasetMode } from './dataset.types';
import './datasets';

/**
 * Builds one mode of a dataset from a Vega dataset section:
 *
 * ```yaml
 * dataset:
 *   type: FashionMnist
 *   common: {data_path: /usr/share/datasets/fashion-mnist, batch_size: 128, train_portion: 0.9, seed: 0}
 *   train: {transforms: [{type: RandomCrop, size: 28, padding: 2}, {type: ToTensor}]}
 *   test: {batch_size: 1000}
 * ```
 *
 * The mode's settings are `common` overlaid by the mode's own section (`train`, `val` or
 * `test`); keys beside `type` at the top level count as `common` too. Errors name the field
 * as `dataset.<mode>.<key>`.
 */
export function createDataset(config: unknown, mode: DatasetMode, field = 'dataset'): Dataset {
  const root = ArgReader.of(config, field);
  const typeKey = root.firstOf(['type', 'name']);
  const entry = registry.get('dataset', root.string(typeKey), root.path(typeKey));
  const sections = Object.fromEntries(['common', ...DATASET_MODES].map((name) => [name, ArgReader.dict(root.value(name), root.path(name))]));
  const topLevel = Object.fromEntries(Object.entries(ArgReader.dict(config, field)).filter(([key]) => !['type', 'name', 'common', ...DATASET_MODES].includes(key)));
  return entry.factory(new ArgReader({ ...topLevel, ...sections['common'], ...sections[mode] }, `${field}.${mode}`), mode);
}
