import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { Objective, Trial } from '@vela/contracts';
import { UnavailableError } from '@vela/errors';
import { TRAINING_PROCESS_ENV, type FromTrainingProcess, type ToTrainingProcess, type TrainingProcessConfig } from './training-protocol';
import type { TrainingOutcome } from './trial-training';

const REPO_ROOT = resolve(__dirname, '../../../..');
const CHILD_ENTRY = resolve(__dirname, 'training-child.ts');
const OUTPUT_TAIL_LINES = 40;

export interface ComputeReport {
  readonly backend: string;
  readonly threads: number;
  readonly device: string;
  readonly gpus: number;
}

export interface TrialEvents {
  progress(epoch: number, totalEpochs: number, objectives: Objective[]): void;
}

export interface TrainingProcessOptions extends TrainingProcessConfig {
  /** GPU indices this process may use (CUDA_VISIBLE_DEVICES); undefined leaves the environment as is. */
  readonly gpus?: readonly number[];
  /** Receives the process's log lines and output. */
  readonly log: (line: string) => void;
  /** How long to wait for the backend to start. Default 120 s. */
  readonly startTimeoutMs?: number;
}

/** A trial sent to the process: training, or waiting behind the one training. */
interface SentTrial {
  readonly trialId: string;
  readonly label: string;
  readonly events: TrialEvents;
  readonly resolve: (outcome: TrainingOutcome) => void;
}

/**
 * One training process as its supervisor sees it: started once with its backend and reused
 * for trial after trial (starting TensorFlow.js and the wasm module takes seconds, a trial
 * may take less). It trains the trials sent to it one at a time, in order; a trial sent while
 * another trains waits in the process and starts as soon as that one ends. A process that
 * dies takes only the trial it trains with it: `train` then resolves FAILED with the exit
 * status and the process's last output, and trials waiting behind it resolve `notStarted`.
 */
export class TrainingProcess {
  readonly gpus?: readonly number[];
  compute?: ComputeReport;
  private readonly child: ChildProcess;
  private readonly tail: string[] = [];
  /** In the order sent: the first trains, the rest wait. */
  private readonly sent: SentTrial[] = [];
  /** Trials its supervisor chose this process for and has not sent yet. */
  private reserved = 0;
  private exited = false;
  private readonly ready: Promise<ComputeReport>;

  private constructor(private readonly options: TrainingProcessOptions) {
    this.gpus = options.gpus;
    const config: TrainingProcessConfig = { reportAddress: options.reportAddress, token: options.token, backend: options.backend, plugins: options.plugins };
    const env: NodeJS.ProcessEnv = { ...process.env, [TRAINING_PROCESS_ENV]: JSON.stringify(config), FORCE_COLOR: '0' };
    if (options.gpus) env['CUDA_VISIBLE_DEVICES'] = options.gpus.join(',');
    this.child = fork(CHILD_ENTRY, [], {
      cwd: REPO_ROOT,
      env,
      execArgv: ['-r', '@swc-node/register'],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const remember = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) this.output(line);
    };
    this.child.stdout?.on('data', remember);
    this.child.stderr?.on('data', remember);
    this.ready = new Promise<ComputeReport>((resolveReady, reject) => {
      const timer = setTimeout(() => {
        reject(new UnavailableError(`a training process did not start its backend within ${(options.startTimeoutMs ?? 120000) / 1000} s; its last output:\n${this.outputTail()}`));
        this.kill();
      }, options.startTimeoutMs ?? 120000);
      const receive = (message: FromTrainingProcess): void => {
        if (message.type === 'batch') {
          for (const each of message.messages) receive(each);
        } else if (message.type === 'ready') {
          clearTimeout(timer);
          this.compute = { backend: message.backend, threads: message.threads, device: message.device, gpus: message.gpus };
          resolveReady(this.compute);
        } else if (message.type === 'fatal' && !this.compute) {
          clearTimeout(timer);
          reject(new UnavailableError(`a training process failed to start: ${message.message}`));
        } else {
          this.onMessage(message);
        }
      };
      this.child.on('message', receive);
      this.child.on('exit', (code, signal) => {
        clearTimeout(timer);
        this.exited = true;
        const why = `the training process exited (${signal ?? `code ${code}`})`;
        reject(new UnavailableError(`${why} before its backend started; its last output:\n${this.outputTail()}`));
        const [training, ...waiting] = this.sent.splice(0);
        training?.resolve({ outcome: 'FAILED', error: `${why} while training`, logTail: this.outputTail(), crashed: true });
        for (const trial of waiting) trial.resolve({ outcome: 'STOPPED', error: `${why} before it began the trial`, notStarted: true });
      });
    });
    this.ready.catch(() => undefined);
  }

  /** Starts a process and waits until its backend is up. */
  static async start(options: TrainingProcessOptions): Promise<TrainingProcess> {
    const process = new TrainingProcess(options);
    await process.ready;
    return process;
  }

  get alive(): boolean {
    return !this.exited;
  }

  /** Trials sent (or reserved) and not yet ended: the one training and those waiting behind it. */
  get load(): number {
    return this.sent.length + this.reserved;
  }

  /** Counts a trial about to be sent in `load` already, so that the process is not chosen for two at once. */
  reserve(): void {
    this.reserved++;
  }

  /** Gives back a reservation whose trial will not be sent after all. */
  unreserve(): void {
    if (this.reserved > 0) this.reserved--;
  }

  /** Trains one attempt after those sent before it (taking a reservation, if any); resolves with its outcome (never rejects). */
  train(trial: Trial, events: TrialEvents): Promise<TrainingOutcome> {
    this.unreserve();
    if (this.exited) return Promise.resolve({ outcome: 'STOPPED', error: 'the training process had exited', notStarted: true });
    return new Promise<TrainingOutcome>((resolveOutcome) => {
      this.sent.push({ trialId: trial.id, label: `${trial.stepId} trial ${trial.number}`, events, resolve: resolveOutcome });
      this.send({ type: 'train', trial: Trial.toJSON(trial) });
    });
  }

  /** Stops a trial sent to this process: at its next step boundary if it trains, at once if it waits. */
  stop(trialId: string, reason: string): void {
    if (this.sent.some((trial) => trial.trialId === trialId)) this.send({ type: 'stop', trialId, reason });
  }

  /** Ends the process (SIGKILL after `graceMs` if SIGTERM does not). */
  async close(graceMs = 5000): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((done) => this.child.once('exit', () => done()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.kill(), graceMs);
    await exited;
    clearTimeout(timer);
  }

  outputTail(): string {
    return this.tail.join('\n');
  }

  private kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }

  private send(message: ToTrainingProcess): void {
    if (this.child.connected) this.child.send(message);
  }

  private output(line: string): void {
    this.tail.push(line);
    if (this.tail.length > OUTPUT_TAIL_LINES) this.tail.shift();
    // Several processes share the worker's output: say which trial a line is about.
    const training = this.sent[0];
    this.options.log(training ? `[${training.label}] ${line}` : line);
  }

  /**
   * Removes a trial from those sent, when it ended. The process is reused, so the output tail
   * starts again with the next trial: a failure's tail is that trial's output, not the last one's.
   */
  private take(trialId: string): SentTrial | undefined {
    const at = this.sent.findIndex((trial) => trial.trialId === trialId);
    if (at === 0) this.tail.length = 0;
    return at < 0 ? undefined : this.sent.splice(at, 1)[0];
  }

  private onMessage(message: FromTrainingProcess): void {
    switch (message.type) {
      case 'log':
        this.output(message.line);
        return;
      case 'progress':
        this.sent.find((trial) => trial.trialId === message.trialId)?.events.progress(message.epoch, message.totalEpochs, message.objectives.map((o) => Objective.fromJSON(o)));
        return;
      case 'done':
        this.take(message.trialId)?.resolve(message.result);
        return;
      case 'fatal': {
        this.output(message.message);
        const ended = message.trialId === undefined ? this.sent.splice(0, 1)[0] : this.take(message.trialId);
        ended?.resolve({ outcome: 'FAILED', error: message.message.split('\n')[0], logTail: this.outputTail(), crashed: true });
        return;
      }
      case 'ready':
        return;
    }
  }
}
