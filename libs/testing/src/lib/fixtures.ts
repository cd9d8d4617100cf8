import { Client } from 'pg';

export interface SeededTrial {
  readonly id: string;
  readonly number: number;
}

export interface SeededRun {
  readonly runId: string;
  readonly step: string;
  readonly trials: readonly SeededTrial[];
}

/**
 * A run with one step and `trials` trials, written straight into the pipeline's tables, for
 * tests of services that read them (Report refuses records of unknown trials and stale
 * attempts). `attempt` and `state` set every trial's current attempt and state.
 */
export async function seedRunWithTrials(
  databaseUrl: string,
  options: { trials: number; step?: string; attempt?: number; state?: string },
): Promise<SeededRun> {
  const step = options.step ?? 'nas';
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const {
      rows: [run],
    } = await client.query<{ id: string }>(`INSERT INTO runs (config_yaml) VALUES ('pipeline: [${step}]') RETURNING id`);
    await client.query(`INSERT INTO steps (run_id, name, index, type) VALUES ($1, $2, 0, 'SearchPipeStep')`, [run.id, step]);
    const { rows } = await client.query<{ id: string; number: number }>(
      `INSERT INTO trials (run_id, step, number, state, attempt, "desc")
       SELECT $1, $2, n, $3::trial_state, $4, jsonb_build_object('trial', n) FROM generate_series(1, $5::int) AS n
       RETURNING id, number`,
      [run.id, step, options.state ?? 'RUNNING', options.attempt ?? 1, options.trials],
    );
    return { runId: run.id, step, trials: rows.sort((a, b) => a.number - b.number) };
  } finally {
    await client.end();
  }
}

/** Sets trials' state (and optionally attempt), as the pipeline would on completion or retry. */
export async function setTrialState(databaseUrl: string, trialIds: readonly string[], state: string, attempt?: number): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`UPDATE trials SET state = $2::trial_state, attempt = COALESCE($3, attempt) WHERE id = ANY($1::uuid[])`, [trialIds, state, attempt ?? null]);
  } finally {
    await client.end();
  }
}
