// Public surface of @vela/trainer.
import './lib/registrations';

export { Trainer, DEFAULT_CALLBACKS, type TrainerOptions } from './lib/trainer';
export { readTrainerSettings, DEFAULT_COMPONENTS, type TrainerSettings } from './lib/trainer-config';
export { Callback, CallbackList } from './lib/callbacks/callback';
export { OptimizerBase } from './lib/optimizers/optimizer';
export { readComponent, buildComponent } from './lib/component';
export { createLrScheduler } from './lib/lr-schedulers/create-lr-scheduler';
export { InMemoryArtifactStore, FolderArtifactStore, artifactKey, checkArtifactKey, type ArtifactStore } from './lib/artifacts/artifact-store';
export { encodeCheckpoint, decodeCheckpoint, type Checkpoint, type CheckpointMeta } from './lib/checkpoint/checkpoint';
export type * from './lib/trainer.types';
