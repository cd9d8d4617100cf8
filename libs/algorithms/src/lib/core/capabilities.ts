import { registry } from '@vela/registry';

/**
 * The capability table of the registered search algorithms, as Markdown, generated from the
 * registry's metadata (Optuna's `samplers/index.rst` table), for docs and `vela algorithms`.
 */
export function algorithmCapabilityTable(): string {
  const entries = registry.list('search_algorithm');
  const columns = [...new Set(entries.flatMap((entry) => Object.keys(entry.capabilities ?? {})))];
  const cell = (value: unknown) => (value === true ? '✓' : value === false || value === undefined ? '' : String(value));
  const rows = entries.map((entry) =>
    [`\`${entry.name}\`${entry.experimental ? ' (experimental)' : ''}`, entry.aliases.map((a) => `\`${a}\``).join(', '), ...columns.map((c) => cell(entry.capabilities?.[c])), entry.description ?? ''].join(' | '),
  );
  return [`| name | aliases | ${columns.join(' | ')} | description |`, `|${Array(columns.length + 3).fill('---').join('|')}|`, ...rows.map((r) => `| ${r} |`)].join('\n');
}
