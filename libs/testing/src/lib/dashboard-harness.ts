import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { seedRunWithTrials, type SeededRun } from './fixtures';

/** Debian's chromium (`apt-get install chromium`), headless, quiet, with a fresh profile. */
export async function launchChromium(): Promise<{ readonly context: BrowserContext; close(): Promise<void> }> {
  const profile = await mkdtemp(join(tmpdir(), 'vela-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * A finished run of `trials` trials in one step, each SUCCEEDED with one result record
 * (epoch 1) in Report's table: accuracy (maximised) and params (minimised), a log-scaled
 * learning rate and an optimizer type. Deterministic; written with one statement per table,
 * so a 10,000-trial run takes seconds. Finished, so the master leaves it alone.
 */
export async function seedFinishedRunWithResults(databaseUrl: string, options: { trials: number; step?: string }): Promise<SeededRun> {
  const run = await seedRunWithTrials(databaseUrl, { trials: options.trials, step: options.step ?? 'hpo', state: 'SUCCEEDED' });
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`UPDATE runs SET state = 'SUCCEEDED', display_name = $2, started_at = now() - interval '1 hour', ended_at = now() WHERE id = $1`, [run.runId, `seeded ${options.trials} trials`]);
    await client.query(
      `UPDATE steps SET state = 'SUCCEEDED', objectives = '[{"key":"accuracy","goal":"MAXIMIZE"},{"key":"params","goal":"MINIMIZE"}]', started_at = now() - interval '1 hour', ended_at = now() WHERE run_id = $1`,
      [run.runId],
    );
    await client.query(
      `WITH values AS (
         SELECT t.id, t.number, t.run_id, t.step, t."desc",
                0.5 + 0.45 * abs(sin(t.number * 12.9898)) AS accuracy,
                10 + 990 * abs(sin(t.number * 78.233)) AS params,
                power(10, -4 + 3 * abs(sin(t.number * 4.1414))) AS lr,
                CASE WHEN t.number % 2 = 0 THEN 'Adam' ELSE 'SGD' END AS optimizer
         FROM trials t WHERE t.run_id = $1)
       INSERT INTO records (trial_id, attempt, epoch, run_id, step, trial_number, trial_state, "desc", hyperparameters, performance, objectives, params)
       SELECT id, 1, 1, run_id, step, number, 'SUCCEEDED', "desc",
              jsonb_build_object('trainer', jsonb_build_object('optimizer', jsonb_build_object('type', optimizer, 'params', jsonb_build_object('lr', lr)))),
              jsonb_build_object('accuracy', accuracy),
              jsonb_build_array(jsonb_build_object('key', 'accuracy', 'goal', 'MAXIMIZE', 'value', accuracy), jsonb_build_object('key', 'params', 'goal', 'MINIMIZE', 'value', params)),
              params
       FROM values`,
      [run.runId],
    );
  } finally {
    await client.end();
  }
  return run;
}

/** How long a run's page took to become usable, and to show the whole run. */
export interface RunPageTimes {
  /** From navigation until the trials table shows rows and the best-so-far and pareto charts are drawn. */
  readonly usableMs: number;
  /** Until, besides, every one of `expectedTrials` trials is in the table (none still being read). */
  readonly completeMs: number;
}

/** Opens a run's page (the token in the URL fragment) and times it (see RunPageTimes). */
export async function openRunPage(page: Page, baseUrl: string, runId: string, token: string, expectedTrials: number): Promise<RunPageTimes> {
  const started = Date.now();
  await page.goto(`${baseUrl}/runs/${runId}#token=${encodeURIComponent(token)}`);
  await page.locator('[data-trial="1"]').waitFor();
  await page.locator('[data-testid="best-so-far-chart"] path.mark-best').waitFor();
  await page.locator('[data-testid="pareto-chart"] circle.mark-front').first().waitFor();
  const usableMs = Date.now() - started;
  await page.locator('[data-testid="trials-total"]', { hasText: `${expectedTrials} trials` }).waitFor({ timeout: 60_000 });
  await page.locator('[data-testid="loading"]').waitFor({ state: 'detached', timeout: 60_000 });
  return { usableMs, completeMs: Date.now() - started };
}
