-- AlterTable
ALTER TABLE "attempts" ADD COLUMN     "log_tail" TEXT;
