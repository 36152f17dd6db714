-- initiator_counts: events by the program that caused them (audit exe= of syscall and user-space
-- records, aureport -x), RANGE-partitioned on window_start like the other raw count tables (daily
-- partitions made by partition maintenance, a DEFAULT partition for any other timestamp).
CREATE SEQUENCE "initiator_counts_id_seq";

CREATE TABLE "initiator_counts" (
    "id" BIGINT NOT NULL DEFAULT nextval('initiator_counts_id_seq'::regclass),
    "host_id" UUID NOT NULL,
    "sequence" BIGINT NOT NULL,
    "window_start" TIMESTAMP(3) NOT NULL,
    "initiator" TEXT NOT NULL,
    "count" BIGINT NOT NULL,

    CONSTRAINT "initiator_counts_pkey" PRIMARY KEY ("id","window_start")
) PARTITION BY RANGE ("window_start");

CREATE INDEX "initiator_counts_host_id_window_start_idx" ON "initiator_counts"("host_id", "window_start");

ALTER SEQUENCE "initiator_counts_id_seq" OWNED BY "initiator_counts"."id";

CREATE TABLE "initiator_counts_default" PARTITION OF "initiator_counts" DEFAULT;
