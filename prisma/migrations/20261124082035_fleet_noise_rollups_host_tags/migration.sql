-- Host tags (issue 6): free-form labels set by admins, filter for every fleet query.
-- AlterTable
ALTER TABLE "hosts" ADD COLUMN "tags" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateIndex
CREATE INDEX "hosts_tags_idx" ON "hosts" USING GIN ("tags");

-- Batches committed by ingest and not yet applied to the rollups (apps/hub/src/exclusions/activity-rollup.service.ts).
-- CreateTable
CREATE TABLE "rollup_pending" (
    "id" BIGSERIAL NOT NULL,
    "host_id" UUID NOT NULL,
    "sequence" BIGINT NOT NULL,
    "window_start" TIMESTAMP(3) NOT NULL,
    "received_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rollup_pending_pkey" PRIMARY KEY ("id")
);

-- Dictionary of fleet noise subjects (issues 4 and 6).
-- CreateTable
CREATE TABLE "noise_subjects" (
    "id" SERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "detail" TEXT NOT NULL DEFAULT '',
    "key" BYTEA NOT NULL,
    "subject_key" BYTEA NOT NULL,

    CONSTRAINT "noise_subjects_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "noise_host_hours" (
    "subject_id" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "host_seq" INTEGER NOT NULL,
    "bin" INTEGER NOT NULL,
    "source" TEXT NOT NULL,
    "count" BIGINT NOT NULL,
    "first_start" TIMESTAMP(3) NOT NULL,
    "last_end" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "noise_host_hours_pkey" PRIMARY KEY ("subject_id","host_seq","bin","source")
);

-- CreateTable
CREATE TABLE "noise_fleet_hours" (
    "subject_id" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "bin" INTEGER NOT NULL,
    "os" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "count" BIGINT NOT NULL,
    "first_start" TIMESTAMP(3) NOT NULL,
    "last_end" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "noise_fleet_hours_pkey" PRIMARY KEY ("subject_id","bin","os","source")
);

-- CreateTable
CREATE TABLE "noise_host_bits" (
    "subject_id" INTEGER NOT NULL,
    "bin" INTEGER NOT NULL,
    "os" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "chunk" INTEGER NOT NULL,
    "bits" BIT(512) NOT NULL,

    CONSTRAINT "noise_host_bits_pkey" PRIMARY KEY ("subject_id","bin","os","source","chunk")
);

-- CreateIndex
CREATE UNIQUE INDEX "noise_subjects_key_key" ON "noise_subjects"("key");

-- CreateIndex
CREATE INDEX "noise_subjects_subject_key_idx" ON "noise_subjects"("subject_key");

-- CreateIndex
CREATE INDEX "noise_host_hours_host_seq_kind_bin_idx" ON "noise_host_hours"("host_seq", "kind", "bin");

-- CreateIndex
CREATE INDEX "noise_fleet_hours_kind_bin_idx" ON "noise_fleet_hours"("kind", "bin");
