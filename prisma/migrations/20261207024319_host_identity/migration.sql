-- AlterTable
ALTER TABLE "agents" ADD COLUMN     "cert_fingerprint" TEXT,
ADD COLUMN     "sequence_base" BIGINT NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "hosts" ADD COLUMN     "rekey_expires_at" TIMESTAMP(3),
ADD COLUMN     "rekey_token_hash" TEXT,
ADD COLUMN     "status" TEXT NOT NULL DEFAULT 'active',
ADD COLUMN     "status_changed_at" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "ingest_batches" ADD COLUMN     "agent_id" UUID;

-- CreateIndex
CREATE UNIQUE INDEX "hosts_rekey_token_hash_key" ON "hosts"("rekey_token_hash");
