-- AlterTable
ALTER TABLE "policy_pushes" ADD COLUMN     "commit_sha" TEXT;

-- AlterTable
ALTER TABLE "policy_targets" ADD COLUMN     "branch" TEXT,
ADD COLUMN     "directory" TEXT;
