import { Run, StepState } from '@vela/contracts';
import { ProgressDisplay, progressBars, progressLine, type BestResult } from './progress';

const run = Run.fromPartial({
  id: 'r1',
  resolvedConfig: { pipeline: [{ search_algorithm: { policy: { num_sample: 8 } } }, {}] },
  steps: [
    { id: 'hpo', index: 0, search: 'searches/s1', state: StepState.STEP_STATE_RUNNING, trialCounts: { succeeded: 3, failed: 1, running: 2, pending: 1 } },
    { id: 'fully_train', index: 1, state: StepState.STEP_STATE_PENDING },
  ],
});
const best = new Map<string, BestResult>([['hpo', { key: 'accuracy', value: 0.8731, trialNumber: 4 }]]);

describe('run progress', () => {
  it('draws a bar per step: trials finished of those expected, in flight, failed, best so far', () => {
    expect(progressBars(run, best, 200)).toEqual([
      'run r1: step 1 of 2',
      `  hpo          ${'█'.repeat(12)}${'░'.repeat(12)}  4/8  3 in flight  1 failed  best accuracy=0.873 (trial 4)  running`,
      `  fully_train  ${'░'.repeat(24)}  0/1  pending`,
    ]);
  });

  it('counts stopped-early and other cancelled trials as finished, and names each apart', () => {
    // TrialCounts.cancelled holds the early-stopped trials too.
    const stopped = Run.fromPartial({ ...run, steps: [{ ...run.steps[0], state: StepState.STEP_STATE_SUCCEEDED, trialCounts: { succeeded: 4, failed: 1, cancelled: 3, earlyStopped: 2 } }] });
    expect(progressLine(stopped, new Map())).toBe('[hpo: done 4 done, 0 in flight, 1 failed, 2 stopped early, 1 cancelled]');
    expect(progressBars(stopped, new Map(), 200)[1]).toBe(`  hpo  ${'█'.repeat(24)}  8/8  1 failed  2 stopped early  1 cancelled  done`);
  });

  it('cuts bars to the terminal width, so none wraps', () => {
    expect(progressBars(run, best, 40).every((line) => [...line].length <= 39)).toBe(true);
  });

  it('is one plain line per change elsewhere', () => {
    const lines: string[] = [];
    const display = new ProgressDisplay((line) => lines.push(line), { isTTY: false, write: () => undefined });
    display.update(run, best);
    display.update(run, best);
    display.aside(() => lines.push('a log line'));
    expect(lines).toEqual(['[hpo: running 3 done, 3 in flight, 1 failed, best accuracy=0.873 (trial 4)] [fully_train: pending]', 'a log line']);
    expect(progressLine(run, new Map())).toBe('[hpo: running 3 done, 3 in flight, 1 failed] [fully_train: pending]');
  });

  it('redraws the bars in place on a terminal, with other output above them', () => {
    let screen = '';
    const display = new ProgressDisplay(
      (line) => (screen += `${line}\n`),
      { isTTY: true, columns: 120, write: (text: string) => (screen += text) },
    );
    display.update(run, best);
    display.aside(() => (screen += 'a log line\n'));
    display.finish();
    display.update(run, best); // after finish: plain
    const up = '\x1b[3F\x1b[J';
    const bars = progressBars(run, best, 120).map((line) => `${line}\n`).join('');
    expect(screen).toBe(`${bars}${up}a log line\n${bars}${progressLine(run, best)}\n`);
  });
});
