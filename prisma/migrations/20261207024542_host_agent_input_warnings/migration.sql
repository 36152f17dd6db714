-- AlterTable
ALTER TABLE "host_agent_status" ADD COLUMN     "input_warnings" TEXT[] DEFAULT ARRAY[]::TEXT[];
