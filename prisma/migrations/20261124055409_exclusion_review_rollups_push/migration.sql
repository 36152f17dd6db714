-- AlterTable
ALTER TABLE "exclusion_sets" ADD COLUMN     "diff" JSONB,
ADD COLUMN     "previous_set_id" UUID;

-- CreateTable
CREATE TABLE "exclusion_decisions" (
    "id" BIGSERIAL NOT NULL,
    "type" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "user" TEXT NOT NULL DEFAULT '',
    "decision" TEXT NOT NULL,
    "comment" TEXT NOT NULL,
    "snooze_until" TIMESTAMP(3),
    "decided_by" TEXT NOT NULL,
    "decided_by_token_id" UUID,
    "decided_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "item_id" UUID,
    "set_version" INTEGER,

    CONSTRAINT "exclusion_decisions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "activity_subjects" (
    "id" SERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "parent_path" TEXT NOT NULL DEFAULT '',
    "user" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "activity_subjects_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rollup_hosts" (
    "seq" SERIAL NOT NULL,
    "host_id" UUID NOT NULL,

    CONSTRAINT "rollup_hosts_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "activity_rollups" (
    "subject_id" INTEGER NOT NULL,
    "host_seq" INTEGER NOT NULL,
    "bin" INTEGER NOT NULL,
    "count" BIGINT NOT NULL,
    "peak_count" BIGINT NOT NULL,
    "peak_window_seconds" INTEGER NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "activity_rollups_pkey" PRIMARY KEY ("subject_id","host_seq","bin")
);

-- CreateTable
CREATE TABLE "policy_targets" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "url" TEXT,
    "secret" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_by" TEXT NOT NULL,
    "deleted_at" TIMESTAMP(3),

    CONSTRAINT "policy_targets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "policy_pushes" (
    "id" UUID NOT NULL,
    "target_id" UUID NOT NULL,
    "set_id" UUID NOT NULL,
    "set_version" INTEGER NOT NULL,
    "mode" TEXT NOT NULL,
    "format" TEXT,
    "items" JSONB NOT NULL,
    "item_count" INTEGER NOT NULL,
    "digest" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_status_code" INTEGER,
    "last_error" TEXT,
    "requested_by" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMP(3),

    CONSTRAINT "policy_pushes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "policy_delivery_attempts" (
    "id" BIGSERIAL NOT NULL,
    "push_id" UUID NOT NULL,
    "attempt" INTEGER NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "status_code" INTEGER,
    "error" TEXT,
    "duration_ms" INTEGER NOT NULL,

    CONSTRAINT "policy_delivery_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "exclusion_decisions_type_value_user_decided_at_idx" ON "exclusion_decisions"("type", "value", "user", "decided_at");

-- CreateIndex
CREATE UNIQUE INDEX "activity_subjects_kind_path_parent_path_user_key" ON "activity_subjects"("kind", "path", "parent_path", "user");

-- CreateIndex
CREATE UNIQUE INDEX "rollup_hosts_host_id_key" ON "rollup_hosts"("host_id");

-- CreateIndex
CREATE INDEX "activity_rollups_bin_idx" ON "activity_rollups"("bin");

-- CreateIndex
CREATE INDEX "policy_pushes_target_id_created_at_idx" ON "policy_pushes"("target_id", "created_at");

-- CreateIndex
CREATE INDEX "policy_delivery_attempts_push_id_idx" ON "policy_delivery_attempts"("push_id");

-- AddForeignKey
ALTER TABLE "policy_pushes" ADD CONSTRAINT "policy_pushes_target_id_fkey" FOREIGN KEY ("target_id") REFERENCES "policy_targets"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "policy_delivery_attempts" ADD CONSTRAINT "policy_delivery_attempts_push_id_fkey" FOREIGN KEY ("push_id") REFERENCES "policy_pushes"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Backfill: counts stored before this migration enter the rollup once (ingest keeps it up to date after).
INSERT INTO "rollup_hosts" ("host_id") SELECT DISTINCT "host_id" FROM "ingest_batches" ON CONFLICT DO NOTHING;

INSERT INTO "activity_subjects" ("kind", "path", "parent_path", "user")
SELECT DISTINCT 'exec', "path", "parent_path", "user" FROM "exec_counts" WHERE length("path") + length("parent_path") <= 2000
UNION
SELECT DISTINCT 'file', "path", '', '' FROM "file_counts" WHERE length("path") <= 2000
ON CONFLICT DO NOTHING;

INSERT INTO "activity_rollups" ("subject_id", "host_seq", "bin", "count", "peak_count", "peak_window_seconds")
SELECT s."id", h."seq", w."bin", SUM(w."cnt"), MAX(w."cnt"), MAX(w."secs")
FROM (
  SELECT "host_id", 'exec' AS "kind", "path", "parent_path", "user" AS "usr",
         floor(extract(epoch FROM "window_start") / 1200)::int AS "bin",
         GREATEST(1, extract(epoch FROM "window_end" - "window_start"))::int AS "secs", SUM("count") AS "cnt"
  FROM "exec_counts" GROUP BY 1, 2, 3, 4, 5, 6, 7, "window_start"
  UNION ALL
  SELECT "host_id", 'file', "path", '', '',
         floor(extract(epoch FROM "window_start") / 1200)::int,
         GREATEST(1, extract(epoch FROM "window_end" - "window_start"))::int, SUM("count")
  FROM "file_counts" GROUP BY 1, 2, 3, 4, 5, 6, 7, "window_start"
) w
JOIN "activity_subjects" s ON s."kind" = w."kind" AND s."path" = w."path" AND s."parent_path" = w."parent_path" AND s."user" = w."usr"
JOIN "rollup_hosts" h ON h."host_id" = w."host_id"
GROUP BY 1, 2, 3;
