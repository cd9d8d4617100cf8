-- AlterTable
ALTER TABLE "runs" ADD COLUMN     "revision" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "steps" ADD COLUMN     "output_dir" TEXT,
ADD COLUMN     "search_completed" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "wait_reason" TEXT;

-- AlterTable
ALTER TABLE "trials" ADD COLUMN     "complete_request_id" TEXT,
ADD COLUMN     "forwarded_attempt" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "forwarded_epoch" INTEGER NOT NULL DEFAULT -1,
ADD COLUMN     "forwarded_state" TEXT,
ADD COLUMN     "progress_epoch" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "progress_objectives" JSONB,
ADD COLUMN     "resume_epoch" INTEGER,
ADD COLUMN     "suggestion" JSONB,
ADD COLUMN     "task" TEXT NOT NULL DEFAULT 'train',
ADD COLUMN     "total_epochs" INTEGER;
