export function formatTime(iso: string | undefined): string {
  return iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' }) : '—';
}

export function formatNumber(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e6)) return value.toExponential(3);
  return Number(value.toPrecision(4)).toString();
}

/** `trainer.optimizer.params.lr=0.01, ...` for a nested hyperparameter object. */
export function formatHyperparameters(value: unknown, prefix = ''): string {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value)
      .map(([key, child]) => formatHyperparameters(child, prefix ? `${prefix}.${key}` : key))
      .filter(Boolean)
      .join(', ');
  }
  return prefix ? `${prefix}=${typeof value === 'number' ? formatNumber(value) : JSON.stringify(value)}` : '';
}
