// Public surface of @vela/worker.
export { serveWorker, type RunningWorker, type WorkerServeOptions } from './lib/serve-worker';
export { TrainerWorker, type TrainerWorkerOptions } from './lib/trainer-worker';
export { workerSettingsFromEnv, defaultWorkerId, type WorkerSettings } from './lib/worker-settings';
export { trainTrial, trainingSections, type TrainingOutcome, type TrainingHooks } from './lib/trial-training';
export { ReportChannel, ReportArtifactStore, reportClient, type ReportClient, type ArtifactOwner } from './lib/report-channel';
