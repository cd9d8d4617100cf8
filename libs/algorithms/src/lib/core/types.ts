import type { JsonObject, NetworkDesc, Point, SearchSpace } from '@vela/search-space';

/** Whether an objective is to be minimised or maximised. */
export type ObjectiveGoal = 'MINIMIZE' | 'MAXIMIZE';

/** One measured objective of a record, with its goal (e.g. accuracy, MAXIMIZE). */
export interface ObjectiveValue {
  readonly key: string;
  readonly value: number;
  readonly goal: ObjectiveGoal;
}

/**
 * A trial's state as DESIGN.md's "Semantics every service shares" defines it. PENDING,
 * LEASED and RUNNING are in flight; STALE marks an attempt whose lease expired (the trial
 * itself goes back to PENDING with the next attempt, so it stays in flight); SUCCEEDED,
 * FAILED and CANCELLED end the trial (until a promotion continues it).
 */
export const TRIAL_STATES = ['PENDING', 'LEASED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'STALE', 'CANCELLED'] as const;
export type TrialState = (typeof TRIAL_STATES)[number];

/** The training budget of a suggestion. */
export interface Budget {
  /** Train until this epoch (counted from the trial's start, not from the resume point). */
  readonly epochs: number;
}

/** Where a trial resumes: another (or the same) trial's checkpoint at an epoch. */
export interface ResumePoint {
  readonly trialId: string;
  readonly epoch: number;
  /** The checkpoint artifact reported with that epoch, when the algorithm has seen one. */
  readonly checkpoint?: string;
}

/**
 * What an algorithm proposes. A new trial has no `trialId` until the caller persists it; a
 * promotion (`continues`) names the trial it continues, which keeps its id; a PBT child
 * (`parent`) is a new trial that starts from its parent's checkpoint.
 */
export interface Suggestion {
  /** Assigned by the caller when it persists the suggestion; set by the algorithm for promotions. */
  readonly trialId?: string;
  /** The value of every active parameter, by dotted key. */
  readonly point: Point;
  /** The model description (`network.*` keys over the space's modules), when the space has one. */
  readonly desc?: NetworkDesc;
  /** The other keys, nested (`trainer.optimizer.params.lr` → `{trainer: {optimizer: {params: {lr}}}}`). */
  readonly hyperparameters: JsonObject;
  /** How far to train; absent means the trainer's own `epochs`. */
  readonly budget?: Budget;
  /** The multi-fidelity rung (0 = first) or PBT round this suggestion trains for. */
  readonly rung?: number;
  /** Promotion: continue this same trial from its checkpoint with the larger budget. */
  readonly continues?: ResumePoint;
  /** PBT child: a new trial that starts from this parent's checkpoint. */
  readonly parent?: ResumePoint;
  /** The codec's encoding of the point, for evolutionary algorithms. */
  readonly code?: readonly number[];
  /** Algorithm-specific bookkeeping (bracket, generation, ...): the caller stores and returns it as is. */
  readonly info?: JsonObject;
}

/**
 * One thing that happened to a trial: a state change, an intermediate record (an epoch's
 * objectives, `final` false) or the final result (`final` true: the last record of a
 * successful attempt). The first observation of a trial, and of each promotion, carries the
 * suggestion as the caller persisted it (with its `trialId`).
 */
export interface Observation {
  readonly trialId: string;
  /** 1, 2, ...; a record from an older attempt than the latest seen is ignored. */
  readonly attempt: number;
  /** The epoch this observation is about (0 before training). */
  readonly epoch: number;
  readonly state: TrialState;
  readonly objectives?: readonly ObjectiveValue[];
  /** True for the trial's result: the last record of its last successful attempt. */
  readonly final?: boolean;
  /** The checkpoint artifact written at this epoch, for promotions and PBT. */
  readonly checkpoint?: string;
  /** Required on a trial's first observation and on the first of each promotion. */
  readonly suggestion?: Suggestion;
}

/** A JSON-serialisable snapshot of an algorithm's whole state. */
export type AlgorithmSnapshot = JsonObject;

/**
 * The interface an algorithm author implements (Vizier's Designer, Vega's SearchAlgorithm).
 * The generator service wraps it with persistence, replay-with-seed, leases and error mapping.
 *
 * **Call order.** `suggest(n)` → the caller persists each suggestion as a trial and sends its
 * first observation (PENDING, carrying the suggestion with its `trialId`) → intermediate
 * records → a final outcome (SUCCEEDED with `final` objectives, FAILED, STALE then a next
 * attempt, or CANCELLED) → ... until `isCompleted`.
 *
 * **State.** The state is a function of the seed and of the observations applied, in order:
 * - `suggest()` must not change what `restore()` rebuilds: calling it twice without an
 *   `observe()` in between gives the same suggestions, and `snapshot()` is unchanged by it.
 * - Suggestions within one `suggest(n)` call are distinct, and a trial in flight (observed
 *   PENDING/LEASED/RUNNING/STALE) is never suggested again; in-flight trials inform the next
 *   suggestion (e.g. TPE's constant liar).
 * - `observe()` is idempotent per (trial, attempt, epoch, state): re-delivered observations,
 *   and observations of older attempts, change nothing.
 * - `restore(snapshot())` on a new instance built with the same settings and seed gives an
 *   algorithm that makes the same next suggestions as the original.
 *
 * **Thread safety.** None: one caller at a time.
 */
export interface SearchAlgorithm {
  /** The registered name. */
  readonly name: string;
  /** The space the suggestions' points belong to: the configured one, or its codec's. */
  readonly space: SearchSpace;
  /** Up to `n` suggestions (fewer, even none, while it waits for results). */
  suggest(n: number): Suggestion[];
  /** Applies observations in order. Throws InvalidArgumentError for a malformed one. */
  observe(observations: readonly Observation[]): void;
  /** True when no further suggestion will come and every known trial has finished. */
  readonly isCompleted: boolean;
  snapshot(): AlgorithmSnapshot;
  /** Replaces the state with a snapshot from an algorithm of the same name, settings and seed. */
  restore(snapshot: AlgorithmSnapshot): void;
}

/** What an algorithm is built from. */
export interface AlgorithmContext {
  readonly space: SearchSpace;
  /** The raw `search_algorithm` config section: `{type, policy, objective_keys, codec, ...}`. */
  readonly settings: unknown;
  /** Seeds every random choice; the same seed and observations give the same suggestions. */
  readonly seed: number;
  /** Config path of the section, for error messages (default `search_algorithm`). */
  readonly path?: string;
}

export type SearchAlgorithmFactory = (context: AlgorithmContext) => SearchAlgorithm;

/**
 * Encodes points of a space as fixed-length integer codes and back (Vega's Codec), for
 * evolutionary algorithms. `decode(encode(p))` equals `p` for every point the codec covers.
 */
export interface Codec {
  readonly name: string;
  /** The space the decoded points belong to (the configured one, or one the codec defines). */
  readonly space: SearchSpace;
  /** Number of genes. */
  readonly length: number;
  /** How many values gene i takes (0 .. cardinality-1), or 0 for a continuous gene in [0, 1]. */
  cardinality(gene: number): number;
  encode(point: Point): number[];
  decode(code: readonly number[]): { readonly point: Point; readonly desc?: NetworkDesc; readonly hyperparameters: JsonObject };
  /** Fixes a code the codec cannot decode (e.g. an all-zero channel mask); identity by default. */
  repair?(code: number[]): number[];
}

export interface CodecContext {
  readonly space: SearchSpace;
  /** The `policy` section of the algorithm that uses the codec (e.g. PruneEA's `length`). */
  readonly policy: Readonly<Record<string, unknown>>;
  readonly path: string;
}

export type CodecFactory = (context: CodecContext) => Codec;

declare module '@vela/registry' {
  interface RegistryFactories {
    search_algorithm: SearchAlgorithmFactory;
    codec: CodecFactory;
  }
}
