import { ObjectiveGoal, type ObjectiveSpec, type Record as RecordProto, type TrialCounts } from '@vela/contracts';

/** `RUN_STATE_RUNNING` → `RUNNING`: an enum value's name without its prefix. */
export function enumLabel(names: Record<number, string>, value: number): string {
  return (names[value] ?? String(value)).replace(/^[A-Z_]*?_STATE_/, '');
}

/** Up to 3 significant digits for small values, 2 decimals up to 100, integers above. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 1 ? value.toFixed(2) : value.toPrecision(3);
}

/** `accuracy ↑`, `loss ↓`. */
export function objectiveLabel(objective: ObjectiveSpec): string {
  return `${objective.key} ${objective.goal === ObjectiveGoal.OBJECTIVE_GOAL_MINIMIZE ? '↓' : '↑'}`;
}

/** An objective's value in a result: its `objectives`, else `performance`, else the size metrics (as Report reads them). */
export function objectiveValue(record: RecordProto, key: string): number | undefined {
  const sizes: Record<string, number | undefined> = { flops: record.flops, params: record.params, latency: record.latencyMs, latency_ms: record.latencyMs };
  return record.objectives.find((objective) => objective.key === key)?.value ?? record.performance[key] ?? sizes[key];
}

/** Trials queued, leased or training. */
export function inFlight(counts: TrialCounts | undefined): number {
  return (counts?.pending ?? 0) + (counts?.leased ?? 0) + (counts?.running ?? 0);
}

/** Trials in a terminal state: succeeded, failed, cancelled (early-stopped ones among them). */
export function finishedTrials(counts: TrialCounts | undefined): number {
  return (counts?.succeeded ?? 0) + (counts?.failed ?? 0) + (counts?.cancelled ?? 0);
}

/** Cancelled trials other than early-stopped ones (TrialCounts.cancelled counts both). */
export function cancelledOnly(counts: TrialCounts | undefined): number {
  return (counts?.cancelled ?? 0) - (counts?.earlyStopped ?? 0);
}

/** `1 failed`, `2 stopped early`, `3 cancelled`: the trials that ended without a result, each count left out when zero. */
export function unsuccessfulCounts(counts: TrialCounts | undefined): string[] {
  const parts: [number, string][] = [
    [counts?.failed ?? 0, 'failed'],
    [counts?.earlyStopped ?? 0, 'stopped early'],
    [cancelledOnly(counts), 'cancelled'],
  ];
  return parts.filter(([count]) => count > 0).map(([count, label]) => `${count} ${label}`);
}

/** `2026-11-27 11:02:03 UTC (5m ago)`. */
export function formatTime(time: Date | undefined, now = new Date()): string {
  if (!time) return '—';
  return `${time.toISOString().slice(0, 19).replace('T', ' ')} UTC (${formatAgo(time, now)})`;
}

/** `5s ago`, `3m ago`, `2h ago`, `4d ago`. */
export function formatAgo(time: Date | undefined, now = new Date()): string {
  if (!time) return '—';
  return `${formatDuration(Math.max(0, now.getTime() - time.getTime()))} ago`;
}

/** The largest two units: `45s`, `3m 12s`, `2h 5m`, `4d 3h`. */
export function formatDuration(milliseconds: number): string {
  const seconds = Math.round(milliseconds / 1000);
  const units: [string, number][] = [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ];
  const first = units.findIndex(([, size]) => seconds >= size);
  if (first < 0) return '0s';
  const [unit, size] = units[first];
  const [nextUnit, nextSize] = units[first + 1] ?? [];
  const rest = nextSize ? Math.floor((seconds % size) / nextSize) : 0;
  return `${Math.floor(seconds / size)}${unit}${rest ? ` ${rest}${nextUnit}` : ''}`;
}
