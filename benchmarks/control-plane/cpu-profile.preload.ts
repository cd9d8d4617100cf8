// Preloaded into every process of the benchmark (NODE_OPTIONS, with `control-plane.ts
// --cpu-prof`; Node refuses `--cpu-prof` itself in NODE_OPTIONS): profiles the process's CPU
// with the in-process inspector and writes `<VELA_BENCH_CPU_PROF_DIR>/<pid>.cpuprofile` when
// it exits. Summarise with profile-summary.ts.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env['VELA_BENCH_CPU_PROF_DIR'];
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  process.on('exit', () => {
    // An in-process session answers synchronously, so this works inside 'exit'.
    session.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
  // A process without a SIGTERM handler of its own (a training process) would die without 'exit'.
  process.on('SIGTERM', () => {
    if (process.listenerCount('SIGTERM') === 1) process.exit(0);
  });
}

// And every SQL statement the process sends through `pg` (Prisma's adapter uses it): count
// and total time per statement shape, written to `<dir>/<pid>.sql.json` at exit.
if (dir) {
  const pg = require('pg') as typeof import('pg');
  const stats = new Map<string, { count: number; ms: number }>();
  const original = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  (pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (this: unknown, ...args: unknown[]) {
    const config = args[0];
    const text = typeof config === 'string' ? config : ((config as { text?: string } | undefined)?.text ?? '?');
    const shape = text.replace(/\s+/g, ' ').trim().slice(0, 160);
    const started = performance.now();
    const result = original.apply(this, args);
    const done = () => {
      const entry = stats.get(shape) ?? { count: 0, ms: 0 };
      entry.count++;
      entry.ms += performance.now() - started;
      stats.set(shape, entry);
    };
    if (result && typeof (result as Promise<unknown>).then === 'function') (result as Promise<unknown>).then(done, done);
    else done();
    return result;
  };
  process.on('exit', () => {
    writeFileSync(join(dir, `${process.pid}.sql.json`), JSON.stringify({ argv: process.argv.slice(1), statements: Object.fromEntries(stats) }));
  });
}
