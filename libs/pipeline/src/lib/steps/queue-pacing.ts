/**
 * A slot that finishes a trial at least this often runs "short" trials: the driver's pass
 * (observe → suggest → insert, tens of milliseconds on a busy host) is then a real part of
 * each trial's time.
 */
export const SHORT_TRIAL_SECONDS = 0.5;
/** How long completions are counted before the rate is updated. */
const RATE_WINDOW_MS = 250;

/** How many trials a step keeps in flight, and from how much room on it refills. */
export interface QueuePlan {
  /** Trials in flight (queued, leased, running) the step aims for. */
  readonly target: number;
  /** The least room worth a refill: below it, the pass only waits (unless the step is ending). */
  readonly batch: number;
}

/**
 * Paces a search step's queue by how fast its trials finish (the completions the driver sees
 * in its summaries). Trials of seconds or more: two in flight per slot, one running and one
 * queued, refilled one by one, so a model-based search suggests each point as late as it can.
 * Short trials: sixteen per slot, refilled in batches of six per slot, so one pass of
 * observe, suggest and insert serves many trials, and while a pass runs (tens of ms on a busy
 * host) the queue still holds trials for every slot beyond the three per slot a worker holds
 * (one training, two leased ahead: see the worker's LEASE_AHEAD_PER_SLOT). With ten per slot,
 * a worker's completions found the queue empty during most passes at 150–200 trials/s, and
 * its slots waited for the driver.
 */
export class QueuePacing {
  /** Completions per second, smoothed; undefined until a window has passed. */
  private rate?: number;
  private window?: { finished: number; at: number };

  constructor(private readonly now: () => number = Date.now) {}

  /** The step's count of ended trials at a pass. */
  observe(finished: number): void {
    const at = this.now();
    if (!this.window || finished < this.window.finished) {
      this.window = { finished, at };
      return;
    }
    const elapsed = at - this.window.at;
    if (elapsed < RATE_WINDOW_MS) return;
    const current = ((finished - this.window.finished) * 1000) / elapsed;
    // An idle window pulls the rate down at once; a busy one is averaged with the last.
    this.rate = this.rate === undefined || current === 0 ? current : (this.rate + current) / 2;
    this.window = { finished, at };
  }

  /** Whether each slot finishes a trial more often than every SHORT_TRIAL_SECONDS. */
  shortTrials(slots: number): boolean {
    return slots > 0 && this.rate !== undefined && this.rate * SHORT_TRIAL_SECONDS > slots;
  }

  /** How long `completions` more trials take to end at the current rate, in ms: at most a second, 0 before a rate is known. */
  timeFor(completions: number): number {
    return this.rate ? Math.min(1000, (Math.max(0, completions) / this.rate) * 1000) : 0;
  }

  /** The plan for `slots` free-or-busy slots able to run this step's trials. */
  plan(slots: number): QueuePlan {
    if (slots === 0) return { target: 1, batch: 1 };
    return this.shortTrials(slots) ? { target: 16 * slots, batch: 6 * slots } : { target: 2 * slots, batch: 1 };
  }
}
