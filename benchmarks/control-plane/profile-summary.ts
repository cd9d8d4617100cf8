/**
 * Summarises the V8 CPU profiles that `control-plane.ts --cpu-prof` leaves (one per process):
 * for each service, the busy time, the self time by package or lib, and the hottest functions.
 *
 *   node -r @swc-node/register benchmarks/control-plane/profile-summary.ts DIR [--top 15] [--trials N]
 *
 * Also the SQL each process sent (`<pid>.sql.json`): statements by count and total time, per
 * trial when `--trials` is given.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const SERVICES: [RegExp, string][] = [
  [/apps\/pipeline\/src\/main\.ts/, 'pipeline (master)'],
  [/apps\/generator\/src\/main\.ts/, 'generator'],
  [/apps\/report\/src\/main\.ts/, 'report'],
  [/apps\/trainer-worker\/src\/main\.ts/, 'worker supervisor'],
  [/training-child\.ts/, 'training process'],
];

function area(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const lib = /\/(libs|apps)\/([^/]+)\//.exec(url);
  if (lib) return `${lib[1]}/${lib[2]}`;
  if (url.startsWith('node:')) return 'node internals';
  return url.replace(/^.*\//, '');
}

function top<T>(entries: Map<string, T>, value: (t: T) => number, count: number): [string, T][] {
  return [...entries].sort((a, b) => value(b[1]) - value(a[1])).slice(0, count);
}

async function main(): Promise<void> {
  const dir = process.argv[2];
  const flag = (name: string, fallback: number) => (process.argv.includes(`--${name}`) ? Number(process.argv[process.argv.indexOf(`--${name}`) + 1]) : fallback);
  const count = flag('top', 15);
  const trials = flag('trials', 0);
  if (!dir) throw new Error('usage: profile-summary.ts DIR [--top 15]');
  const byService = new Map<string, { files: number; totalMs: number; self: Map<string, number>; areas: Map<string, number> }>();
  for (const file of (await readdir(dir)).filter((name) => name.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile;
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    const urls = profile.nodes.map((node) => node.callFrame.url).join('\n');
    const service = SERVICES.find(([pattern]) => pattern.test(urls))?.[1] ?? 'other';
    const entry = byService.get(service) ?? { files: 0, totalMs: 0, self: new Map<string, number>(), areas: new Map<string, number>() };
    byService.set(service, entry);
    entry.files++;
    profile.samples.forEach((id, index) => {
      const ms = (profile.timeDeltas[index] ?? 0) / 1000;
      const frame = nodes.get(id)?.callFrame;
      if (!frame || frame.functionName === '(idle)') return;
      entry.totalMs += ms;
      const key = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*?(node_modules|libs|apps)\//, '$1/')}:${frame.lineNumber + 1}`;
      entry.self.set(key, (entry.self.get(key) ?? 0) + ms);
      const where = area(frame.url, frame.functionName);
      entry.areas.set(where, (entry.areas.get(where) ?? 0) + ms);
    });
  }
  for (const file of (await readdir(dir)).filter((name) => name.endsWith('.sql.json'))) {
    const { argv, statements } = JSON.parse(await readFile(join(dir, file), 'utf8')) as { argv: string[]; statements: Record<string, { count: number; ms: number }> };
    const service = SERVICES.find(([pattern]) => pattern.test(argv.join(' ')))?.[1] ?? 'other';
    const entries = Object.entries(statements);
    const total = entries.reduce((sum, [, s]) => sum + s.count, 0);
    if (total === 0) continue;
    const per = (n: number) => (trials ? ` (${(n / trials).toFixed(2)} per trial)` : '');
    console.log(`\n### SQL of ${service} (${file}): ${total} statements${per(total)}, ${entries.reduce((sum, [, s]) => sum + s.ms, 0).toFixed(0)} ms waiting on them`);
    for (const [shape, s] of entries.sort((a, b) => b[1].count - a[1].count).slice(0, count)) {
      console.log(`  ${String(s.count).padStart(7)}${per(s.count).padEnd(18)} ${s.ms.toFixed(0).padStart(6)} ms  ${shape}`);
    }
  }
  for (const [service, entry] of [...byService].sort((a, b) => b[1].totalMs - a[1].totalMs)) {
    console.log(`\n### ${service} (${entry.files} process(es)): ${entry.totalMs.toFixed(0)} ms busy`);
    console.log('\nself time by package/lib:');
    for (const [name, ms] of top(entry.areas, (ms) => ms, count)) console.log(`  ${ms.toFixed(0).padStart(7)} ms  ${((100 * ms) / entry.totalMs).toFixed(1).padStart(5)}%  ${name}`);
    console.log('\nhottest functions (self time):');
    for (const [name, ms] of top(entry.self, (ms) => ms, count)) console.log(`  ${ms.toFixed(0).padStart(7)} ms  ${((100 * ms) / entry.totalMs).toFixed(1).padStart(5)}%  ${name}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
