-- AlterTable
ALTER TABLE "hosts" ADD COLUMN     "install_key_hash" TEXT;
