-- CreateEnum
CREATE TYPE "observation_state" AS ENUM ('PENDING', 'LEASED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'STALE', 'CANCELLED');

-- DropIndex
DROP INDEX "search_observations_search_id_trial_id_attempt_epoch_key";

-- AlterTable
ALTER TABLE "search_observations" ALTER COLUMN "state" SET DATA TYPE "observation_state" USING ("state"::text::"observation_state");

-- AlterTable
ALTER TABLE "searches" ADD COLUMN     "objectives" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "observed_seq" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "request_id" TEXT,
ADD COLUMN     "suggest_request_id" TEXT,
ADD COLUMN     "suggest_response" JSONB,
ADD COLUMN     "suggestion_count" BIGINT NOT NULL DEFAULT 0,
ALTER COLUMN "seed" SET DATA TYPE BIGINT;

-- CreateIndex
CREATE UNIQUE INDEX "search_observations_search_id_trial_id_attempt_epoch_final__key" ON "search_observations"("search_id", "trial_id", "attempt", "epoch", "final", "state");

-- CreateIndex
CREATE UNIQUE INDEX "searches_request_id_key" ON "searches"("request_id");
