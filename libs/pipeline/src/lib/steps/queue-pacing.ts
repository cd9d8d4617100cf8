/**
 * A slot that finishes a trial at least this often runs "short" trials: the driver's pass
 * (observe → suggest → insert, tens of milliseconds on a busy host) is then a real part of
 * each trial's time.
 */
export const SHORT_TRIAL_SECONDS = 0.5;
/** How long completions are counted before the rate is updated. */
const RATE_WINDOW_MS = 250;
/**
 * Short trials: how long the queued trials must last at the current rate when a refill
 * starts, so that workers still find trials while the pass runs (30–40 ms on a busy two-core
 * host). A longer pass that empties the queue raises the starved cover (below). Measured:
 * 40 ms left slots waiting for the driver, 100 ms only made trials wait longer in the queue.
 */
const REFILL_COVER_MS = 60;
/** Short trials: how many milliseconds of trials one refill adds, so one pass serves many trials. */
const REFILL_BATCH_MS = 60;
/** Short trials: the most queued trials per slot that finding the queue empty can ask for. */
const MAX_STARVED_COVER_PER_SLOT = 16;
/**
 * Under `trials_in_flight`, the refill a pass waits for is at most this share of the cap. A
 * refill of the whole cap let the queue drain, so slots waited for the driver, and then
 * filled it at once, so the last trials waited for the rest. Measured at one worker × two
 * slots, a cap of 8: 129.5 → 164.7–178.5 trials/s, p99 of created → completed 58 → 61–62 ms,
 * p99 of a slot's wait 68 → 50–52 ms.
 */
const CAPPED_BATCH_SHARE = 1 / 4;

/** What the step's queue holds at a pass. */
export interface QueueState {
  /** Slots of the active workers able to run the step's trials (free or busy). */
  readonly slots: number;
  /** Trials queued, leased or running. */
  readonly inFlight: number;
  /** Trials queued and not yet leased. */
  readonly queued: number;
}

/** How many trials to create, and from how much room on a pass is worth it. */
export interface QueuePlan {
  /** Trials the queue has room for now (before the run's own limits). */
  readonly room: number;
  /** The least room worth a refill: below it, the pass only waits (unless the step is ending). */
  readonly batch: number;
}

/** The run's limits on a step's queue (`general.limits`); absent where none is set. */
export interface QueueLimits {
  /** `trials_in_flight`. */
  readonly inFlight?: number;
  /** What `max_trials` leaves to create. */
  readonly trialsLeft?: number;
}

/**
 * A plan cut to the run's limits, `inFlight` trials being in flight; `capped` when they cut
 * its room (an empty queue is then the limits' doing, not the workers'). Under a cap, a pass
 * refills at most CAPPED_BATCH_SHARE of it, so the trials in flight stay near the cap.
 */
export function withinLimits(plan: QueuePlan, inFlight: number, limits: QueueLimits): QueuePlan & { readonly capped: boolean } {
  const inFlightLimit = limits.inFlight ?? Infinity;
  const left = limits.trialsLeft ?? Infinity;
  const room = Math.max(0, Math.min(plan.room, inFlightLimit - inFlight, left));
  // A batch never waits for more room than the limits can ever give, and under a cap refills
  // a share of it at a time.
  const batch = Math.max(1, Math.min(plan.batch, Math.ceil(inFlightLimit * CAPPED_BATCH_SHARE), left));
  return { room, batch, capped: room < plan.room };
}

/**
 * Paces a search step's queue by how fast its trials finish (the completions the driver sees
 * in its summaries).
 *
 * Trials of seconds or more: two in flight per slot, one running and one queued, refilled one
 * by one, so a model-based search suggests each point as late as it can.
 *
 * Short trials: sized by time, not by slots. A refill starts when the queued (unleased) trials
 * would last REFILL_COVER_MS at the rate trials end, and adds REFILL_BATCH_MS of trials, so one
 * pass serves many trials and the workers, which lease from the queue (and ahead of their
 * slots), do not run dry while it runs. Sizing by slots instead (sixteen per slot) kept 0.85 s
 * of trials in flight for four workers whose control plane ran 150 trials/s, and trials
 * waited in the queue for it.
 *
 * Trials end no faster than the queue supplies them, so a rate measured from a queue that
 * ran dry understates what the workers could take (right after a step's trials turn out
 * short, the rate of its first few). A pass that finds the queue empty while the run's limits
 * allow more doubles a floor under the cover (queueRanDry); each rate window halves it again,
 * so it lasts only while the queue keeps running dry.
 */
export class QueuePacing {
  /** Completions per second, smoothed; undefined until a window has passed. */
  private rate?: number;
  /** Completions per second in the last window alone. */
  private latest?: number;
  private window?: { finished: number; at: number };
  /** Queued trials a refill starts from at least, since passes found the queue empty. */
  private starvedCover = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** The step's count of ended trials at a pass. */
  observe(finished: number): void {
    const at = this.now();
    if (!this.window || finished < this.window.finished) {
      this.window = { finished, at };
      this.starvedCover = 0;
      return;
    }
    const elapsed = at - this.window.at;
    if (elapsed < RATE_WINDOW_MS) return;
    const current = ((finished - this.window.finished) * 1000) / elapsed;
    // An idle window pulls the rate down at once; a busy one is averaged with the last.
    this.rate = this.rate === undefined || current === 0 ? current : (this.rate + current) / 2;
    this.latest = current;
    this.window = { finished, at };
    this.starvedCover = Math.floor(this.starvedCover / 2);
  }

  /** Whether each slot finishes a trial more often than every SHORT_TRIAL_SECONDS. */
  shortTrials(slots: number): boolean {
    return slots > 0 && this.rate !== undefined && this.rate * SHORT_TRIAL_SECONDS > slots;
  }

  /**
   * A pass found the queue empty with trials in flight, and the run's limits would have let it
   * hold more: for short trials, the workers may take more than the rate shows, so the floor
   * under the cover doubles (from two trials per slot, at most MAX_STARVED_COVER_PER_SLOT).
   * With trials of seconds an empty queue is the usual state between refills, and says nothing.
   * Before a rate is known it may be either: the floor is raised, so that a step whose trials
   * turn out short starts with a queue that lasts (it only applies once they do, and the rate
   * windows of long trials halve it away).
   */
  queueRanDry(slots: number): void {
    if (this.rate !== undefined && !this.shortTrials(slots)) return;
    this.starvedCover = Math.min(MAX_STARVED_COVER_PER_SLOT * slots, Math.max(2 * slots, 2 * this.starvedCover));
  }

  /**
   * Whether the rate shows what the workers can take: not while passes find the queue empty
   * (the starved cover lasts), when trials may end much faster than measured so far. A pause
   * timed by such a rate outlasts the queue; the driver waits for the queue's next change
   * instead.
   */
  trustsRate(): boolean {
    return this.starvedCover === 0;
  }

  /**
   * How long the driver pauses before it counts again, when a refill is due once `trials`
   * more leave the queue: half the time that many trials take to end at the current rate, at
   * most half a second, 0 before a rate is known. Trials leave the queue as workers lease
   * them, in bursts (a worker leases several ahead at once), not at the rate they end: paused
   * for the whole time, the driver found 30 queued trials gone. At the faster of the smoothed
   * and the latest rate, so a pause never outlasts the queue while trials speed up.
   */
  pauseFor(trials: number): number {
    const rate = this.fastRate();
    return rate ? Math.min(1000, (Math.max(0, trials) / rate) * 1000) / 2 : 0;
  }

  /** The room and least refill for a queue in `state`. */
  plan({ slots, inFlight, queued }: QueueState): QueuePlan {
    if (slots === 0) return { room: Math.max(0, 1 - inFlight), batch: 1 };
    if (!this.shortTrials(slots)) return { room: Math.max(0, 2 * slots - inFlight), batch: 1 };
    const rate = this.fastRate();
    const starved = Math.min(this.starvedCover, MAX_STARVED_COVER_PER_SLOT * slots);
    const cover = Math.max(slots, starved, Math.ceil((rate * REFILL_COVER_MS) / 1000));
    const batch = Math.max(slots, Math.ceil((rate * REFILL_BATCH_MS) / 1000));
    return { room: Math.max(0, cover + batch - queued), batch };
  }

  private fastRate(): number {
    return Math.max(this.rate ?? 0, this.latest ?? 0);
  }
}
