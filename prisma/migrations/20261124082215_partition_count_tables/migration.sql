-- Issue 8: the raw count tables become PostgreSQL RANGE partitions on window_start (one per UTC day),
-- so retention drops whole partitions (O(1), no bloat) instead of DELETE.
-- Hand-written: Prisma's schema language cannot express partitioning. NOTE: the migration runner splits
-- this file on semicolons (adapter-pg executeScript), so no semicolon may appear in a comment or a body.
--
-- How existing rows are kept without copying them: each old table is renamed to <table>_default and
-- attached, as it is, as the DEFAULT partition of a new partitioned parent with the old name, old
-- columns, old index names and the old id sequence. The hub's partition maintenance
-- (apps/hub/src/jobs/partition-maintenance.service.ts) then moves rows out of the default partition
-- into daily partitions (days inside the retention window) one day per transaction, and creates the
-- partitions of the coming days. ATTACH builds the new (id, window_start) key index on the old table:
-- one scan per table, nothing rewritten. Ingest keeps working unchanged at every point: inserts into
-- the parent land in the default partition until a daily partition exists.
--
-- Primary keys: a partitioned table's unique constraints must include the partition key, so the
-- count tables' key changes from (id) to (id, window_start). Nothing references these ids.
--
-- ingest_batches stays unpartitioned on purpose: its (host_id, sequence) primary key IS the
-- idempotency guarantee (a resent batch is a no-op). Partitioned, the key would have to include
-- window_start and dedupe would hold only per partition and only if a resend carries the identical
-- window. It is one narrow row per batch, so retention deletes its old rows by the window_start index.

-- exec_counts: old table -> default partition of a new partitioned exec_counts
ALTER TABLE "exec_counts" DROP CONSTRAINT "exec_counts_pkey";
ALTER TABLE "exec_counts" RENAME TO "exec_counts_default";
ALTER INDEX "exec_counts_path_idx" RENAME TO "exec_counts_default_path_idx";
ALTER INDEX "exec_counts_host_id_window_start_idx" RENAME TO "exec_counts_default_host_id_window_start_idx";

CREATE TABLE "exec_counts" (
    "id" BIGINT NOT NULL DEFAULT nextval('exec_counts_id_seq'::regclass),
    "host_id" UUID NOT NULL,
    "sequence" BIGINT NOT NULL,
    "source" TEXT NOT NULL,
    "window_start" TIMESTAMP(3) NOT NULL,
    "window_end" TIMESTAMP(3) NOT NULL,
    "path" TEXT NOT NULL,
    "parent_path" TEXT NOT NULL DEFAULT '',
    "user" TEXT NOT NULL DEFAULT '',
    "count" BIGINT NOT NULL,

    CONSTRAINT "exec_counts_pkey" PRIMARY KEY ("id","window_start")
) PARTITION BY RANGE ("window_start");

CREATE INDEX "exec_counts_path_idx" ON "exec_counts"("path");

CREATE INDEX "exec_counts_host_id_window_start_idx" ON "exec_counts"("host_id", "window_start");

ALTER SEQUENCE "exec_counts_id_seq" OWNED BY "exec_counts"."id";
ALTER TABLE "exec_counts_default" ALTER COLUMN "id" DROP DEFAULT;
ALTER TABLE "exec_counts" ATTACH PARTITION "exec_counts_default" DEFAULT;

-- file_counts: old table -> default partition of a new partitioned file_counts
ALTER TABLE "file_counts" DROP CONSTRAINT "file_counts_pkey";
ALTER TABLE "file_counts" RENAME TO "file_counts_default";
ALTER INDEX "file_counts_path_idx" RENAME TO "file_counts_default_path_idx";
ALTER INDEX "file_counts_host_id_window_start_idx" RENAME TO "file_counts_default_host_id_window_start_idx";

CREATE TABLE "file_counts" (
    "id" BIGINT NOT NULL DEFAULT nextval('file_counts_id_seq'::regclass),
    "host_id" UUID NOT NULL,
    "sequence" BIGINT NOT NULL,
    "source" TEXT NOT NULL,
    "window_start" TIMESTAMP(3) NOT NULL,
    "window_end" TIMESTAMP(3) NOT NULL,
    "path" TEXT NOT NULL,
    "op" TEXT NOT NULL,
    "process_path" TEXT NOT NULL DEFAULT '',
    "count" BIGINT NOT NULL,

    CONSTRAINT "file_counts_pkey" PRIMARY KEY ("id","window_start")
) PARTITION BY RANGE ("window_start");

CREATE INDEX "file_counts_path_idx" ON "file_counts"("path");

CREATE INDEX "file_counts_host_id_window_start_idx" ON "file_counts"("host_id", "window_start");

ALTER SEQUENCE "file_counts_id_seq" OWNED BY "file_counts"."id";
ALTER TABLE "file_counts_default" ALTER COLUMN "id" DROP DEFAULT;
ALTER TABLE "file_counts" ATTACH PARTITION "file_counts_default" DEFAULT;

-- audit_key_counts: old table -> default partition of a new partitioned audit_key_counts
ALTER TABLE "audit_key_counts" DROP CONSTRAINT "audit_key_counts_pkey";
ALTER TABLE "audit_key_counts" RENAME TO "audit_key_counts_default";
ALTER INDEX "audit_key_counts_host_id_window_start_idx" RENAME TO "audit_key_counts_default_host_id_window_start_idx";

CREATE TABLE "audit_key_counts" (
    "id" BIGINT NOT NULL DEFAULT nextval('audit_key_counts_id_seq'::regclass),
    "host_id" UUID NOT NULL,
    "sequence" BIGINT NOT NULL,
    "window_start" TIMESTAMP(3) NOT NULL,
    "key" TEXT NOT NULL,
    "count" BIGINT NOT NULL,

    CONSTRAINT "audit_key_counts_pkey" PRIMARY KEY ("id","window_start")
) PARTITION BY RANGE ("window_start");

CREATE INDEX "audit_key_counts_host_id_window_start_idx" ON "audit_key_counts"("host_id", "window_start");

ALTER SEQUENCE "audit_key_counts_id_seq" OWNED BY "audit_key_counts"."id";
ALTER TABLE "audit_key_counts_default" ALTER COLUMN "id" DROP DEFAULT;
ALTER TABLE "audit_key_counts" ATTACH PARTITION "audit_key_counts_default" DEFAULT;

-- syscall_counts: old table -> default partition of a new partitioned syscall_counts
ALTER TABLE "syscall_counts" DROP CONSTRAINT "syscall_counts_pkey";
ALTER TABLE "syscall_counts" RENAME TO "syscall_counts_default";
ALTER INDEX "syscall_counts_host_id_window_start_idx" RENAME TO "syscall_counts_default_host_id_window_start_idx";

CREATE TABLE "syscall_counts" (
    "id" BIGINT NOT NULL DEFAULT nextval('syscall_counts_id_seq'::regclass),
    "host_id" UUID NOT NULL,
    "sequence" BIGINT NOT NULL,
    "window_start" TIMESTAMP(3) NOT NULL,
    "syscall" TEXT NOT NULL,
    "count" BIGINT NOT NULL,

    CONSTRAINT "syscall_counts_pkey" PRIMARY KEY ("id","window_start")
) PARTITION BY RANGE ("window_start");

CREATE INDEX "syscall_counts_host_id_window_start_idx" ON "syscall_counts"("host_id", "window_start");

ALTER SEQUENCE "syscall_counts_id_seq" OWNED BY "syscall_counts"."id";
ALTER TABLE "syscall_counts_default" ALTER COLUMN "id" DROP DEFAULT;
ALTER TABLE "syscall_counts" ATTACH PARTITION "syscall_counts_default" DEFAULT;
