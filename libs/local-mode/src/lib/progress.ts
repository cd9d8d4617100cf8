import { StepState, type Run, type Step } from '@vela/contracts';
import { finishedTrials, formatNumber, inFlight, unsuccessfulCounts } from '@vela/cli';

/** Where progress bars are drawn: a terminal (process.stdout) or anything else. */
export interface ProgressTerminal {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

/** The best result of a step so far, by its first objective. */
export interface BestResult {
  readonly key: string;
  readonly value: number;
  readonly trialNumber: number;
}

const STEP_STATE: Record<number, string> = {
  [StepState.STEP_STATE_PENDING]: 'pending',
  [StepState.STEP_STATE_RUNNING]: 'running',
  [StepState.STEP_STATE_SUCCEEDED]: 'done',
  [StepState.STEP_STATE_FAILED]: 'FAILED',
  [StepState.STEP_STATE_CANCELLED]: 'cancelled',
};

const BAR_WIDTH = 24;
// Cursor to the start of the line `n` lines up, and erase from there to the end of the screen.
const cursorUp = (lines: number) => `\x1b[${lines}F`;
const ERASE_DOWN = '\x1b[J';

/**
 * Run progress for people. On a terminal: a bar per step (trials finished of those expected,
 * in flight, failed, best so far), redrawn in place; other output written through `aside`
 * goes above the bars. Elsewhere (a pipe, a CI log): one plain line each time the progress
 * changes, so logs stay readable.
 */
export class ProgressDisplay {
  private drawn: string[] = [];
  private lastLine = '';
  private finished = false;

  constructor(
    private readonly out: (line: string) => void,
    private readonly terminal?: ProgressTerminal,
  ) {}

  private get live(): boolean {
    return Boolean(this.terminal?.isTTY) && !this.finished;
  }

  update(run: Run, best: ReadonlyMap<string, BestResult>): void {
    if (this.live) {
      // A terminal that reports no size (a bare pty) gets the classic 80 columns.
      const bars = progressBars(run, best, this.terminal?.columns || 80);
      if (bars.join('\n') !== this.drawn.join('\n')) this.redraw(bars);
      return;
    }
    const line = progressLine(run, best);
    if (line !== this.lastLine) this.out((this.lastLine = line));
  }

  /** Writes other output (`write`); on a terminal it goes above the bars, which are drawn again below it. */
  aside(write: () => void): void {
    if (!this.live || !this.drawn.length) return write();
    const bars = this.drawn;
    this.erase();
    write();
    this.redraw(bars);
  }

  /** Leaves the last bars on screen as they are; later output follows them. */
  finish(): void {
    this.finished = true;
  }

  private erase(): void {
    if (this.drawn.length) this.terminal!.write(cursorUp(this.drawn.length) + ERASE_DOWN);
    this.drawn = [];
  }

  private redraw(lines: string[]): void {
    this.erase();
    this.terminal!.write(lines.map((line) => `${line}\n`).join(''));
    this.drawn = lines;
  }
}

/** One bar per step, each cut to the terminal's width (a wrapped line would break the redraw). */
export function progressBars(run: Run, best: ReadonlyMap<string, BestResult>, columns: number): string[] {
  const nameWidth = Math.max(...run.steps.map((step) => step.id.length));
  const done = run.steps.filter((step) => step.state === StepState.STEP_STATE_SUCCEEDED).length;
  const header = `run ${run.id}: step ${Math.min(done + 1, run.steps.length)} of ${run.steps.length}`;
  return [header, ...run.steps.map((step) => stepBar(run, step, best.get(step.id), nameWidth))].map((line) => [...line].slice(0, Math.max(10, columns - 1)).join(''));
}

function stepBar(run: Run, step: Step, best: BestResult | undefined, nameWidth: number): string {
  const counts = step.trialCounts;
  const finished = finishedTrials(counts);
  const total = Math.max(expectedTrials(run, step), finished + inFlight(counts), 1);
  const filled = step.state === StepState.STEP_STATE_SUCCEEDED ? BAR_WIDTH : Math.min(BAR_WIDTH, Math.floor((finished / total) * BAR_WIDTH));
  const bar = '█'.repeat(filled) + '░'.repeat(BAR_WIDTH - filled);
  const details = [
    `${String(finished).padStart(String(total).length)}/${total}`,
    inFlight(counts) ? `${inFlight(counts)} in flight` : '',
    ...unsuccessfulCounts(counts),
    best ? `best ${formatBest(best)}` : '',
    STEP_STATE[step.state] ?? '?',
  ].filter(Boolean);
  return `  ${step.id.padEnd(nameWidth)}  ${bar}  ${details.join('  ')}`;
}

/** The plain-text progress: `[hpo: running 5 done, 2 in flight, 1 failed, 1 stopped early, best accuracy=0.873 (trial 4)] [nas: pending]`. */
export function progressLine(run: Run, best: ReadonlyMap<string, BestResult>): string {
  return run.steps
    .map((step) => {
      const counts = step.trialCounts;
      const stepBest = best.get(step.id);
      const parts = [...unsuccessfulCounts(counts), stepBest ? `best ${formatBest(stepBest)}` : ''].filter(Boolean);
      const detail = counts && (inFlight(counts) || finishedTrials(counts)) ? ` ${counts.succeeded} done, ${[`${inFlight(counts)} in flight`, ...parts].join(', ')}` : '';
      return `[${step.id}: ${STEP_STATE[step.state] ?? '?'}${detail}]`;
    })
    .join(' ');
}

function formatBest(best: BestResult): string {
  return `${best.key}=${formatNumber(best.value)} (trial ${best.trialNumber})`;
}

/**
 * The trials a search step is expected to create: its algorithm's `num_sample`, capped by
 * the run's `max_trials`; 0 when unknown (a grid, a train step), and the bar then counts
 * the trials created so far.
 */
function expectedTrials(run: Run, step: Step): number {
  if (!step.search) return 0;
  const numSample = run.resolvedConfig?.['pipeline']?.[step.index]?.search_algorithm?.policy?.num_sample;
  const limits = [typeof numSample === 'number' ? numSample : 0, run.limits?.maxTrials ?? 0].filter((limit) => limit > 0);
  return limits.length ? Math.min(...limits) : 0;
}
