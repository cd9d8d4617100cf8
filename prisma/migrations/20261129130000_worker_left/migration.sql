-- AlterEnum
ALTER TYPE "worker_state" ADD VALUE 'LEFT';
