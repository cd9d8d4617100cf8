import { QueuePacing } from './queue-pacing';

describe('QueuePacing', () => {
  /** A pacing whose clock the test moves. */
  function paced(): { pacing: QueuePacing; advance: (ms: number) => void } {
    let now = 0;
    return { pacing: new QueuePacing(() => now), advance: (ms) => (now += ms) };
  }

  it('keeps one trial running and one queued per slot, refilled one by one, until it has seen trials finish', () => {
    const { pacing } = paced();
    expect(pacing.plan(4)).toEqual({ target: 8, batch: 1 });
    pacing.observe(0);
    expect(pacing.plan(4)).toEqual({ target: 8, batch: 1 });
  });

  it('queues deeper and refills in batches when each slot finishes a trial more often than every SHORT_TRIAL_SECONDS', () => {
    const { pacing, advance } = paced();
    const slots = 2;
    let finished = 0;
    pacing.observe(finished);
    // 50 trials a second on two slots: 40 ms per trial and slot.
    for (let pass = 0; pass < 4; pass++) {
      advance(300);
      finished += 15;
      pacing.observe(finished);
    }
    expect(pacing.shortTrials(slots)).toBe(true);
    expect(pacing.plan(slots)).toEqual({ target: 32, batch: 12 });
  });

  it('goes back to one-by-one refills when trials slow down or stop', () => {
    const { pacing, advance } = paced();
    let finished = 0;
    pacing.observe(finished);
    advance(300);
    pacing.observe((finished += 30));
    expect(pacing.shortTrials(2)).toBe(true);
    // A window with no completion: the rate drops at once (the workers may be gone).
    advance(1000);
    pacing.observe(finished);
    expect(pacing.plan(2)).toEqual({ target: 4, batch: 1 });
    // Trials of a few seconds: each slot finishes one per two seconds.
    for (let pass = 0; pass < 5; pass++) {
      advance(2000);
      pacing.observe((finished += 2));
    }
    expect(pacing.shortTrials(2)).toBe(false);
  });

  it('measures over windows of at least a quarter second, so a burst of passes does not read as a rate', () => {
    const { pacing, advance } = paced();
    pacing.observe(0);
    advance(10);
    pacing.observe(5);
    expect(pacing.shortTrials(1)).toBe(false);
    advance(240);
    pacing.observe(6);
    // 6 trials in 250 ms on one slot: 24 a second, well above one per SHORT_TRIAL_SECONDS.
    expect(pacing.shortTrials(1)).toBe(true);
  });

  it('tells how long a number of completions takes at the current rate, at most a second', () => {
    const { pacing, advance } = paced();
    expect(pacing.timeFor(4)).toBe(0);
    pacing.observe(0);
    advance(500);
    pacing.observe(25);
    // 50 a second: 4 more take 80 ms; 100 more would take two seconds.
    expect(pacing.timeFor(4)).toBeCloseTo(80);
    expect(pacing.timeFor(100)).toBe(1000);
    expect(pacing.timeFor(-1)).toBe(0);
  });

  it('creates one trial with no slot to run it, so that it waits where GetRun shows why', () => {
    const { pacing } = paced();
    expect(pacing.plan(0)).toEqual({ target: 1, batch: 1 });
  });

  it('starts over when the count goes back (a new step or a restarted driver)', () => {
    const { pacing, advance } = paced();
    pacing.observe(100);
    advance(300);
    pacing.observe(10);
    advance(300);
    pacing.observe(11);
    // One trial in 300 ms since the restart, not -89.
    expect(pacing.shortTrials(1)).toBe(true);
    expect(pacing.shortTrials(2)).toBe(false);
  });
});
