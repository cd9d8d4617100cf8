-- CreateEnum
CREATE TYPE "run_state" AS ENUM ('PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "step_state" AS ENUM ('PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "trial_state" AS ENUM ('PENDING', 'LEASED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "attempt_state" AS ENUM ('LEASED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'STALE', 'CANCELLED');

-- CreateEnum
CREATE TYPE "worker_state" AS ENUM ('ACTIVE', 'DRAINING', 'LOST');

-- CreateEnum
CREATE TYPE "artifact_kind" AS ENUM ('CHECKPOINT', 'WEIGHTS', 'STATE_BLOB', 'OTHER');

-- CreateTable
CREATE TABLE "runs" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "display_name" TEXT NOT NULL DEFAULT '',
    "state" "run_state" NOT NULL DEFAULT 'PENDING',
    "config_yaml" TEXT NOT NULL,
    "overrides" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "resolved_config" JSONB NOT NULL DEFAULT '{}',
    "request_id" TEXT,
    "output_dir" TEXT,
    "error" TEXT,
    "limits" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "ended_at" TIMESTAMPTZ(3),

    CONSTRAINT "runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "steps" (
    "run_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "index" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "state" "step_state" NOT NULL DEFAULT 'PENDING',
    "objectives" JSONB NOT NULL DEFAULT '[]',
    "config" JSONB NOT NULL DEFAULT '{}',
    "search_id" UUID,
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "ended_at" TIMESTAMPTZ(3),

    CONSTRAINT "steps_pkey" PRIMARY KEY ("run_id","name")
);

-- CreateTable
CREATE TABLE "trials" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "run_id" UUID NOT NULL,
    "step" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "state" "trial_state" NOT NULL DEFAULT 'PENDING',
    "attempt" INTEGER NOT NULL DEFAULT 1,
    "desc" JSONB NOT NULL,
    "hyperparameters" JSONB NOT NULL DEFAULT '{}',
    "seed" INTEGER,
    "budget" INTEGER,
    "rung" INTEGER,
    "fidelity" DOUBLE PRECISION,
    "parent_trial_id" UUID,
    "checkpoint_artifact_id" UUID,
    "gpus" INTEGER NOT NULL DEFAULT 0,
    "cpu_slots" INTEGER NOT NULL DEFAULT 1,
    "memory_bytes" BIGINT NOT NULL DEFAULT 0,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "lease_owner" TEXT,
    "lease_expires_at" TIMESTAMPTZ(3),
    "wait_reason" TEXT,
    "stop_requested" BOOLEAN NOT NULL DEFAULT false,
    "stop_reason" TEXT,
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "ended_at" TIMESTAMPTZ(3),

    CONSTRAINT "trials_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "attempts" (
    "trial_id" UUID NOT NULL,
    "attempt" INTEGER NOT NULL,
    "state" "attempt_state" NOT NULL DEFAULT 'LEASED',
    "worker_id" TEXT,
    "error" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ended_at" TIMESTAMPTZ(3),

    CONSTRAINT "attempts_pkey" PRIMARY KEY ("trial_id","attempt")
);

-- CreateTable
CREATE TABLE "workers" (
    "id" TEXT NOT NULL,
    "hostname" TEXT NOT NULL DEFAULT '',
    "gpus" INTEGER NOT NULL DEFAULT 0,
    "cpu_slots" INTEGER NOT NULL DEFAULT 0,
    "memory_bytes" BIGINT NOT NULL DEFAULT 0,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "backend" TEXT NOT NULL DEFAULT '',
    "device" TEXT NOT NULL DEFAULT '',
    "state" "worker_state" NOT NULL DEFAULT 'ACTIVE',
    "last_heartbeat_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "registered_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "workers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "searches" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "run_id" UUID NOT NULL,
    "step" TEXT NOT NULL,
    "algorithm" TEXT NOT NULL,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "space" JSONB NOT NULL,
    "seed" INTEGER NOT NULL,
    "state_snapshot" JSONB,
    "state_seq" BIGINT NOT NULL DEFAULT 0,
    "completed" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "searches_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "search_observations" (
    "search_id" UUID NOT NULL,
    "seq" BIGINT NOT NULL,
    "trial_id" UUID NOT NULL,
    "attempt" INTEGER NOT NULL,
    "epoch" INTEGER NOT NULL,
    "final" BOOLEAN NOT NULL DEFAULT false,
    "state" "attempt_state" NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "search_observations_pkey" PRIMARY KEY ("search_id","seq")
);

-- CreateTable
CREATE TABLE "records" (
    "trial_id" UUID NOT NULL,
    "attempt" INTEGER NOT NULL,
    "epoch" INTEGER NOT NULL,
    "run_id" UUID NOT NULL,
    "step" TEXT NOT NULL,
    "trial_number" INTEGER NOT NULL,
    "trial_state" "trial_state" NOT NULL,
    "desc" JSONB NOT NULL,
    "hyperparameters" JSONB NOT NULL DEFAULT '{}',
    "performance" JSONB NOT NULL DEFAULT '{}',
    "objectives" JSONB NOT NULL DEFAULT '[]',
    "flops" DOUBLE PRECISION,
    "params" DOUBLE PRECISION,
    "latency_ms" DOUBLE PRECISION,
    "backend" TEXT,
    "threads" INTEGER,
    "device" TEXT,
    "error" TEXT,
    "log_tail" TEXT,
    "checkpoint_artifact_id" UUID,
    "seq" BIGSERIAL NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "records_pkey" PRIMARY KEY ("trial_id","attempt","epoch")
);

-- CreateTable
CREATE TABLE "artifacts" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "run_id" UUID,
    "trial_id" UUID,
    "attempt" INTEGER,
    "kind" "artifact_kind" NOT NULL,
    "file_name" TEXT NOT NULL,
    "size" BIGINT NOT NULL DEFAULT 0,
    "sha256" TEXT,
    "store_path" TEXT NOT NULL,
    "complete" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "artifacts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "runs_request_id_key" ON "runs"("request_id");

-- CreateIndex
CREATE INDEX "runs_state_created_at_idx" ON "runs"("state", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "steps_run_id_index_key" ON "steps"("run_id", "index");

-- CreateIndex
CREATE INDEX "trials_state_run_id_step_created_at_idx" ON "trials"("state", "run_id", "step", "created_at");

-- CreateIndex
CREATE INDEX "trials_lease_expires_at_idx" ON "trials"("lease_expires_at");

-- CreateIndex
CREATE INDEX "trials_lease_owner_idx" ON "trials"("lease_owner");

-- CreateIndex
CREATE INDEX "trials_parent_trial_id_idx" ON "trials"("parent_trial_id");

-- CreateIndex
CREATE UNIQUE INDEX "trials_run_id_step_number_key" ON "trials"("run_id", "step", "number");

-- CreateIndex
CREATE INDEX "attempts_worker_id_idx" ON "attempts"("worker_id");

-- CreateIndex
CREATE INDEX "workers_state_last_heartbeat_at_idx" ON "workers"("state", "last_heartbeat_at");

-- CreateIndex
CREATE UNIQUE INDEX "searches_run_id_step_key" ON "searches"("run_id", "step");

-- CreateIndex
CREATE UNIQUE INDEX "search_observations_search_id_trial_id_attempt_epoch_key" ON "search_observations"("search_id", "trial_id", "attempt", "epoch");

-- CreateIndex
CREATE UNIQUE INDEX "records_seq_key" ON "records"("seq");

-- CreateIndex
CREATE INDEX "records_run_id_seq_idx" ON "records"("run_id", "seq");

-- CreateIndex
CREATE INDEX "records_run_id_step_seq_idx" ON "records"("run_id", "step", "seq");

-- CreateIndex
CREATE INDEX "records_trial_id_seq_idx" ON "records"("trial_id", "seq");

-- CreateIndex
CREATE INDEX "artifacts_run_id_idx" ON "artifacts"("run_id");

-- CreateIndex
CREATE INDEX "artifacts_trial_id_attempt_idx" ON "artifacts"("trial_id", "attempt");

-- AddForeignKey
ALTER TABLE "steps" ADD CONSTRAINT "steps_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "trials" ADD CONSTRAINT "trials_run_id_step_fkey" FOREIGN KEY ("run_id", "step") REFERENCES "steps"("run_id", "name") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "trials" ADD CONSTRAINT "trials_parent_trial_id_fkey" FOREIGN KEY ("parent_trial_id") REFERENCES "trials"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "attempts" ADD CONSTRAINT "attempts_trial_id_fkey" FOREIGN KEY ("trial_id") REFERENCES "trials"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "attempts" ADD CONSTRAINT "attempts_worker_id_fkey" FOREIGN KEY ("worker_id") REFERENCES "workers"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "search_observations" ADD CONSTRAINT "search_observations_search_id_fkey" FOREIGN KEY ("search_id") REFERENCES "searches"("id") ON DELETE CASCADE ON UPDATE CASCADE;
