-- The outbox's last forwarded state is a trial state: as the enum, the backlog's condition
-- compares like with like and can be an index predicate (a cast to text is not immutable).
ALTER TABLE "trials" ALTER COLUMN "forwarded_state" TYPE "trial_state" USING "forwarded_state"::"trial_state";

-- The outbox's backlog (trials the generator has not been told about yet), read through an
-- index of those trials alone instead of a scan of every trial at each pass of the driver.
CREATE INDEX "trials_unforwarded_idx" ON "trials"("run_id", "step", "number")
  WHERE (forwarded_attempt <> attempt OR forwarded_state IS DISTINCT FROM state OR progress_epoch > forwarded_epoch) IS TRUE;

-- How many trials the condition holds for: without it the planner guesses nearly all (a
-- column compared with another), and scans the table rather than the index. Statistics on
-- an expression are read for `expression IS TRUE`, hence that form in the index and queries.
CREATE STATISTICS "trials_unforwarded_stats" ON ((forwarded_attempt <> attempt OR forwarded_state IS DISTINCT FROM state OR progress_epoch > forwarded_epoch)) FROM "trials";
