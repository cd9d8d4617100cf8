-- AlterTable
ALTER TABLE "records" ADD COLUMN     "train_seconds" DOUBLE PRECISION;

-- AlterTable
ALTER TABLE "artifacts" ADD COLUMN     "request_id" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "artifacts_request_id_key" ON "artifacts"("request_id");
