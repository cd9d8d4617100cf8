-- A trial state's label as text, declared IMMUTABLE so that it may be in an index predicate
-- (the cast of an enum to text is only STABLE: a label could be renamed, which no migration
-- of ours does). forwarded_state stays text, so a master of the previous version still runs
-- against this schema during a rollout.
CREATE FUNCTION "trial_state_text"("trial_state") RETURNS TEXT LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT $1::text $$;

-- The outbox's backlog (trials the generator has not been told about yet), read through an
-- index of those trials alone instead of a scan of every trial at each pass of the driver.
CREATE INDEX "trials_unforwarded_idx" ON "trials"("run_id", "step", "number")
  WHERE (forwarded_attempt <> attempt OR forwarded_state IS DISTINCT FROM trial_state_text(state) OR progress_epoch > forwarded_epoch) IS TRUE;

-- How many trials the condition holds for: without it the planner guesses nearly all (a
-- column compared with another), and may scan the table rather than the index. Statistics on
-- an expression are read for `expression IS TRUE`, hence that form in the index and queries.
CREATE STATISTICS "trials_unforwarded_stats" ON ((forwarded_attempt <> attempt OR forwarded_state IS DISTINCT FROM trial_state_text(state) OR progress_epoch > forwarded_epoch)) FROM "trials";
ANALYZE "trials";
