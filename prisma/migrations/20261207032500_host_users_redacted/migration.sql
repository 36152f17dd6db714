-- AlterTable
ALTER TABLE "hosts" ADD COLUMN     "users_redacted" BOOLEAN NOT NULL DEFAULT false;
