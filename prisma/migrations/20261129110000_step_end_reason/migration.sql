-- AlterTable
ALTER TABLE "steps" ADD COLUMN     "end_reason" TEXT;
