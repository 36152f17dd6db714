-- CreateTable
CREATE TABLE "host_agent_status" (
    "host_id" UUID NOT NULL,
    "sequence" BIGINT NOT NULL,
    "spool_pending_batches" BIGINT NOT NULL,
    "spool_bytes" BIGINT NOT NULL,
    "spool_bound_bytes" BIGINT NOT NULL,
    "dropped_batches_total" BIGINT NOT NULL,
    "dropped_events_total" BIGINT NOT NULL,
    "merges_total" BIGINT NOT NULL,
    "rejected_batches_total" BIGINT NOT NULL,
    "degrade_level" INTEGER NOT NULL,
    "paused_sources" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "rss_bytes" BIGINT NOT NULL,
    "cpu_percent" DOUBLE PRECISION NOT NULL,
    "reported_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "host_agent_status_pkey" PRIMARY KEY ("host_id")
);
