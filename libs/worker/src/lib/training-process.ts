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

/**
 * One training process as its supervisor sees it: started once with its backend and reused
 * for trial after trial (starting TensorFlow.js and the wasm module takes seconds, a trial
 * may take less). A process that dies takes only its own trial with it: `train` then resolves
 * FAILED with the exit status and the process's last output.
 */
export class TrainingProcess {
  readonly gpus?: readonly number[];
  compute?: ComputeReport;
  private readonly child: ChildProcess;
  private readonly tail: string[] = [];
  private current?: { label: string; events: TrialEvents; resolve: (outcome: TrainingOutcome) => void };
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
        this.current?.resolve({ outcome: 'FAILED', error: `${why} while training`, logTail: this.outputTail(), crashed: true });
        this.current = undefined;
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

  get busy(): boolean {
    return this.current !== undefined;
  }

  /** Trains one attempt; resolves with its outcome (never rejects). */
  train(trial: Trial, events: TrialEvents): Promise<TrainingOutcome> {
    if (this.exited) return Promise.resolve({ outcome: 'FAILED', error: 'the training process had exited', logTail: this.outputTail(), crashed: true });
    return new Promise<TrainingOutcome>((resolveOutcome) => {
      this.current = { label: `${trial.stepId} trial ${trial.number}`, events, resolve: resolveOutcome };
      this.send({ type: 'train', trial: Trial.toJSON(trial) });
    });
  }

  /** Stops the current trial at its next step boundary. */
  stop(reason: string): void {
    if (this.current) this.send({ type: 'stop', reason });
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
    this.options.log(this.current ? `[${this.current.label}] ${line}` : line);
  }

  private onMessage(message: FromTrainingProcess): void {
    switch (message.type) {
      case 'log':
        this.output(message.line);
        return;
      case 'progress':
        this.current?.events.progress(message.epoch, message.totalEpochs, message.objectives.map((o) => Objective.fromJSON(o)));
        return;
      case 'done': {
        const current = this.current;
        this.current = undefined;
        current?.resolve(message.result);
        return;
      }
      case 'fatal': {
        const current = this.current;
        this.current = undefined;
        this.output(message.message);
        current?.resolve({ outcome: 'FAILED', error: message.message.split('\n')[0], logTail: this.outputTail(), crashed: true });
        return;
      }
      case 'ready':
        return;
    }
  }
}
