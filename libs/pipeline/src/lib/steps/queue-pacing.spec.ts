import { QueuePacing, withinLimits } from './queue-pacing';

describe('QueuePacing', () => {
  /** A pacing whose clock the test moves. */
  function paced(): { pacing: QueuePacing; advance: (ms: number) => void } {
    let now = 0;
    return { pacing: new QueuePacing(() => now), advance: (ms) => (now += ms) };
  }

  it('keeps one trial running and one queued per slot, refilled one by one, until it has seen trials finish', () => {
    const { pacing } = paced();
    expect(pacing.plan({ slots: 4, inFlight: 0, queued: 0 })).toEqual({ room: 8, batch: 1 });
    pacing.observe(0);
    expect(pacing.plan({ slots: 4, inFlight: 5, queued: 1 })).toEqual({ room: 3, batch: 1 });
  });

  it('for short trials, queues what lasts the refill cover (60 ms) plus a batch of 60 ms at the rate trials end, whatever the slots', () => {
    const { pacing, advance } = paced();
    let finished = 0;
    pacing.observe(finished);
    // 200 trials a second: the queue refills from 12 queued trials, 12 at a time.
    for (let pass = 0; pass < 4; pass++) {
      advance(300);
      finished += 60;
      pacing.observe(finished);
    }
    expect(pacing.shortTrials(2)).toBe(true);
    expect(pacing.plan({ slots: 2, inFlight: 22, queued: 16 })).toEqual({ room: 8, batch: 12 });
    expect(pacing.plan({ slots: 2, inFlight: 18, queued: 12 })).toEqual({ room: 12, batch: 12 });
    // Eight slots at the same rate hold more trials leased, not more queued.
    expect(pacing.plan({ slots: 8, inFlight: 36, queued: 12 })).toEqual({ room: 12, batch: 12 });
    // A full queue has no room.
    expect(pacing.plan({ slots: 2, inFlight: 40, queued: 30 })).toEqual({ room: 0, batch: 12 });
  });

  it('doubles the cover while passes find the queue empty (the rate cannot show more than the queue supplies), and lets it fall back as windows pass', () => {
    const { pacing, advance } = paced();
    pacing.observe(0);
    advance(250);
    // 20 a second on two slots, from a queue that the workers emptied.
    pacing.observe(5);
    const dry = { slots: 2, inFlight: 6, queued: 0 };
    expect(pacing.plan(dry)).toEqual({ room: 4, batch: 2 });
    expect(pacing.trustsRate()).toBe(true);
    pacing.queueRanDry(2);
    expect(pacing.trustsRate()).toBe(false);
    expect(pacing.plan(dry)).toEqual({ room: 6, batch: 2 });
    pacing.queueRanDry(2);
    pacing.queueRanDry(2);
    expect(pacing.plan(dry)).toEqual({ room: 18, batch: 2 });
    // Never more than sixteen per slot, even when slots go away.
    for (let pass = 0; pass < 5; pass++) pacing.queueRanDry(2);
    expect(pacing.plan(dry)).toEqual({ room: 34, batch: 2 });
    expect(pacing.plan({ slots: 1, inFlight: 3, queued: 0 })).toEqual({ room: 18, batch: 2 });
    // Each rate window halves it.
    advance(250);
    pacing.observe(10);
    expect(pacing.plan(dry)).toEqual({ room: 18, batch: 2 });
    // Five more windows with the queue holding trials, and the rate is trusted again.
    for (let window = 0; window < 5; window++) {
      advance(250);
      pacing.observe(15 + 5 * window);
    }
    expect(pacing.trustsRate()).toBe(true);
    expect(pacing.plan(dry)).toEqual({ room: 4, batch: 2 });
  });

  it('takes an empty queue as no sign while trials last seconds (one running and one queued per slot empties it between refills)', () => {
    const { pacing, advance } = paced();
    pacing.observe(0);
    advance(2000);
    pacing.observe(1);
    expect(pacing.shortTrials(2)).toBe(false);
    for (let pass = 0; pass < 5; pass++) pacing.queueRanDry(2);
    expect(pacing.trustsRate()).toBe(true);
    // When trials turn short, the cover starts from the rate, not from what long trials piled up.
    advance(250);
    pacing.observe(21);
    expect(pacing.shortTrials(2)).toBe(true);
    // 80 a second: 60 ms of them is 5 (4.8), the cover and the batch alike.
    expect(pacing.plan({ slots: 2, inFlight: 6, queued: 0 })).toEqual({ room: 10, batch: 5 });
  });

  it('raises the floor before a rate is known, so trials that turn out short start from a queue that lasts', () => {
    const { pacing, advance } = paced();
    pacing.observe(0);
    pacing.queueRanDry(2);
    pacing.queueRanDry(2);
    pacing.queueRanDry(2);
    advance(250);
    // The first window: 40 a second on two slots, short; its close halves the floor (16 → 8).
    pacing.observe(10);
    expect(pacing.shortTrials(2)).toBe(true);
    expect(pacing.plan({ slots: 2, inFlight: 6, queued: 0 })).toEqual({ room: 11, batch: 3 });
  });

  it('forgets the floor when the count goes back (a new step or a restarted driver)', () => {
    const { pacing, advance } = paced();
    pacing.observe(0);
    advance(250);
    pacing.observe(20);
    pacing.queueRanDry(2);
    expect(pacing.trustsRate()).toBe(false);
    pacing.observe(3);
    expect(pacing.trustsRate()).toBe(true);
  });

  it('refills at least a trial per slot, from a queue of at least a trial per slot, at slow short-trial rates', () => {
    const { pacing, advance } = paced();
    pacing.observe(0);
    advance(1000);
    // 20 a second on four slots: five trials a second each, short.
    pacing.observe(20);
    expect(pacing.shortTrials(4)).toBe(true);
    expect(pacing.plan({ slots: 4, inFlight: 4, queued: 0 })).toEqual({ room: 8, batch: 4 });
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
    expect(pacing.plan({ slots: 2, inFlight: 0, queued: 0 })).toEqual({ room: 4, batch: 1 });
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

  it('pauses half the time a number of completions takes at the current rate, at most half a second', () => {
    const { pacing, advance } = paced();
    expect(pacing.pauseFor(4)).toBe(0);
    pacing.observe(0);
    advance(500);
    pacing.observe(25);
    // 50 a second: 4 more take 80 ms; 100 more would take two seconds.
    expect(pacing.pauseFor(4)).toBeCloseTo(40);
    expect(pacing.pauseFor(100)).toBe(500);
    expect(pacing.pauseFor(-1)).toBe(0);
  });

  it('while trials speed up, times a pause by the latest window, so the queue does not run dry during it', () => {
    const { pacing, advance } = paced();
    pacing.observe(0);
    advance(500);
    pacing.observe(25);
    advance(500);
    // 50, then 150 a second: the smoothed rate (100) lags, the latest does not.
    pacing.observe(100);
    expect(pacing.pauseFor(15)).toBeCloseTo(50);
    // Slowing down to 20 a second, the smoothed rate (60) is the faster one.
    advance(500);
    pacing.observe(110);
    expect(pacing.pauseFor(11)).toBeCloseTo(500 * (11 / 60));
  });

  it('creates one trial with no slot to run it, so that it waits where GetRun shows why', () => {
    const { pacing } = paced();
    expect(pacing.plan({ slots: 0, inFlight: 0, queued: 0 })).toEqual({ room: 1, batch: 1 });
    expect(pacing.plan({ slots: 0, inFlight: 1, queued: 1 })).toEqual({ room: 0, batch: 1 });
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

describe('withinLimits', () => {
  it('leaves a plan alone without limits, or with limits that leave room for it', () => {
    expect(withinLimits({ room: 12, batch: 6 }, 20, {})).toEqual({ room: 12, batch: 6, capped: false });
    expect(withinLimits({ room: 12, batch: 6 }, 20, { inFlight: 40, trialsLeft: 100 })).toEqual({ room: 12, batch: 6, capped: false });
  });

  it('cuts the room to trials_in_flight, and refills a quarter of the limit at a time', () => {
    expect(withinLimits({ room: 12, batch: 12 }, 3, { inFlight: 5 })).toEqual({ room: 2, batch: 2, capped: true });
    expect(withinLimits({ room: 12, batch: 12 }, 5, { inFlight: 5 })).toEqual({ room: 0, batch: 2, capped: true });
    expect(withinLimits({ room: 20, batch: 12 }, 4, { inFlight: 12 })).toEqual({ room: 8, batch: 3, capped: true });
    // A rate-sized batch smaller than the share stays as it is; a limit of 1 or 2 refills one at a time.
    expect(withinLimits({ room: 4, batch: 2 }, 0, { inFlight: 40 })).toEqual({ room: 4, batch: 2, capped: false });
    expect(withinLimits({ room: 12, batch: 12 }, 1, { inFlight: 2 })).toEqual({ room: 1, batch: 1, capped: true });
  });

  it('creates nothing once max_trials is reached, and waits for no batch larger than what is left', () => {
    expect(withinLimits({ room: 12, batch: 12 }, 8, { trialsLeft: 3 })).toEqual({ room: 3, batch: 3, capped: true });
    expect(withinLimits({ room: 12, batch: 12 }, 8, { trialsLeft: 0 })).toEqual({ room: 0, batch: 1, capped: true });
  });
});
