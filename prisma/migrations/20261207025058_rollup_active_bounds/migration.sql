-- AlterTable
ALTER TABLE "activity_rollups" ADD COLUMN     "active_end_s" INTEGER,
ADD COLUMN     "active_start_s" INTEGER;
