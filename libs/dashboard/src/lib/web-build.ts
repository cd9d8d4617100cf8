import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';

/** The web UI's sources (React, built with Vite): `index.html`, `src/`, `vite.config.mts`. */
export const DASHBOARD_WEB_ROOT = resolve(__dirname, '../../../../apps/dashboard/web');
/** The shared API types, which the UI imports: a change to them is a change to the UI. */
const API_TYPES = resolve(__dirname, '../api.ts');
/** Written into the build: the hash of the sources it was built from. */
const SOURCE_HASH_FILE = '.source-hash';

/**
 * The built UI of `webRoot` (its `dist/`), building it first when it is missing or was built
 * from other sources. Built assets are never committed: a fresh clone builds on the first
 * test run or service start. Concurrent builders each build into their own folder and the
 * first to finish installs it.
 */
export async function ensureWebBuild(webRoot: string = DASHBOARD_WEB_ROOT): Promise<string> {
  const dist = join(webRoot, 'dist');
  const hash = await sourceHash(webRoot);
  const isCurrent = async () => (await readFile(join(dist, SOURCE_HASH_FILE), 'utf8').catch(() => undefined)) === hash;
  if (await isCurrent()) return dist;

  const staging = join(webRoot, `.dist-${process.pid}-${Date.now()}`);
  try {
    await runVite(webRoot, staging);
    await writeFile(join(staging, SOURCE_HASH_FILE), hash);
    // Another builder may have installed these sources meanwhile (and may be serving them).
    if (await isCurrent()) return dist;
    const retired = `${staging}-old`;
    await rename(dist, retired).catch(() => undefined);
    await rename(staging, dist).catch((error: NodeJS.ErrnoException) => {
      // Another builder installed the same sources first.
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
    await rm(retired, { recursive: true, force: true });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return dist;
}

async function sourceHash(webRoot: string): Promise<string> {
  const hash = createHash('sha256');
  const viteManifest = require.resolve('vite/package.json');
  hash.update(`vite ${(JSON.parse(await readFile(viteManifest, 'utf8')) as { version: string }).version}\n`);
  for (const file of [...(await sourceFiles(webRoot)), API_TYPES]) {
    hash.update(`${relative(webRoot, file)}\n`);
    hash.update(await readFile(file));
  }
  return hash.digest('hex');
}

async function sourceFiles(folder: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of (await readdir(folder, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name === 'dist' || entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) files.push(...(await sourceFiles(path)));
    else files.push(path);
  }
  return files;
}

async function runVite(webRoot: string, outDir: string): Promise<void> {
  const vite = join(dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');
  if (!existsSync(vite)) throw new Error(`cannot build the dashboard UI: ${vite} is missing (npm ci installs Vite)`);
  const output: string[] = [];
  // A production build whoever builds (jest sets NODE_ENV=test, which would bundle React's development build).
  const env = { ...process.env, NODE_ENV: 'production' };
  const child = spawn(process.execPath, [vite, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], { cwd: webRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const code = await new Promise<number | null>((resolveExit, reject) => {
    child.on('error', reject);
    child.on('exit', resolveExit);
  });
  if (code !== 0) throw new Error(`building the dashboard UI (vite build in ${webRoot}) failed with exit code ${code}:\n${output.join('').slice(-4000)}`);
}
