// Public surface of @vela/datasets.
export { DATASET_MODES, type Batch, type Dataset, type DatasetFactory, type DatasetMode } from './lib/dataset.types';
export { createDataset } from './lib/create-dataset';
export { ImageDataset, readLoaderSettings, type ImageSource, type ImageSplit, type LoaderSettings } from './lib/image-dataset';
export { compileTransforms, type TransformPlan } from './lib/transforms';
export { parseIdx, readIdx, type IdxArray } from './lib/idx';
export { seededRandom } from './lib/random';
