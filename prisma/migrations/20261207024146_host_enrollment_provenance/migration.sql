-- AlterTable
ALTER TABLE "hosts" ADD COLUMN     "enroll_peer_address" TEXT,
ADD COLUMN     "enrolled_at" TIMESTAMP(3),
ADD COLUMN     "enrollment_secret_id" UUID;
