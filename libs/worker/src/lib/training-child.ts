// The entry point of one training process (a CPU slot or a set of GPUs): it starts its
// backend once, then trains the trials its supervisor sends, one at a time in the order sent
// (one may wait here while another trains), writing records
// and checkpoints to Report itself, and answers each with its outcome over IPC, which carries
// the final record for the supervisor to write (with other trials' in one call).
import { initCompute } from '@vela/compute';
import { Objective, Trial } from '@vela/contracts';
import { ReportChannel, reportClient } from './report-channel';
import { TRAINING_PROCESS_ENV, type FromTrainingProcess, type ToTrainingProcess, type TrainingProcessConfig } from './training-protocol';
import { trainTrial } from './trial-training';

/**
 * Messages wait for the end of the event loop's turn and go as one IPC write: a short trial
 * sends four (its log line, two progress reports, its outcome) within a few microtasks, and
 * each write is a system call on both sides.
 */
let queued: FromTrainingProcess[] = [];

function send(message: FromTrainingProcess): void {
  queued.push(message);
  if (queued.length === 1) setImmediate(flush);
}

function flush(): void {
  const messages = queued;
  queued = [];
  if (messages.length > 0) process.send?.(messages.length === 1 ? messages[0] : { type: 'batch', messages });
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env[TRAINING_PROCESS_ENV] ?? '{}') as TrainingProcessConfig;
  const log = (line: string) => send({ type: 'log', line });
  for (const plugin of config.plugins ?? []) require(plugin);
  const compute = await initCompute({ backend: config.backend, log });
  const client = reportClient(config.reportAddress, config.token);
  const waiting: Trial[] = [];
  let current: { trialId: string; stop: AbortController } | undefined;
  const trainNext = () => {
    const trial = waiting.shift();
    if (!trial) return;
    const stop = new AbortController();
    current = { trialId: trial.id, stop };
    const channel = new ReportChannel(client, log, { holdFinalRecord: true });
    const began = performance.now();
    trainTrial(trial, channel, {
      signal: stop.signal,
      compute: { backend: compute.backend, threads: compute.threads, device: compute.device },
      log,
      progress: (epoch, totalEpochs, objectives) => send({ type: 'progress', trialId: trial.id, epoch, totalEpochs, objectives: objectives.map((o) => Objective.toJSON(o)) }),
    })
      .then((result) => send({ type: 'done', trialId: trial.id, result: { ...result, trainingMs: performance.now() - began } }))
      .catch((error: unknown) => send({ type: 'fatal', trialId: trial.id, message: error instanceof Error ? (error.stack ?? error.message) : String(error) }))
      .finally(() => {
        channel.close();
        current = undefined;
        trainNext();
      });
  };
  process.on('message', (message: ToTrainingProcess) => {
    if (message.type === 'stop') {
      if (current?.trialId === message.trialId) current.stop.abort(message.reason);
      const at = waiting.findIndex((trial) => trial.id === message.trialId);
      if (at >= 0) {
        waiting.splice(at, 1);
        send({ type: 'done', trialId: message.trialId, result: { outcome: 'STOPPED', error: message.reason } });
      }
      return;
    }
    waiting.push(Trial.fromJSON(message.trial));
    if (!current) trainNext();
  });
  // The supervisor going away (its IPC channel closes) ends this process too.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', backend: compute.backend, threads: compute.threads, device: compute.device, gpus: compute.gpus });
}

main().catch((error: unknown) => {
  send({ type: 'fatal', message: error instanceof Error ? error.message : String(error) });
  flush();
  process.exit(1);
});
