-- CreateTable
CREATE TABLE "host_cost_windows" (
    "host_id" UUID NOT NULL,
    "window_start" TIMESTAMP(3) NOT NULL,
    "window_end" TIMESTAMP(3) NOT NULL,
    "sequence" BIGINT NOT NULL,
    "samples" INTEGER NOT NULL,
    "covered_ms" INTEGER NOT NULL,
    "auditd_enabled" INTEGER,
    "auditd_pid" INTEGER,
    "lost_delta" BIGINT,
    "lost_total" BIGINT,
    "backlog_max" INTEGER,
    "backlog_limit" INTEGER,
    "rate_limit" INTEGER,
    "backlog_wait_delta" BIGINT,
    "rules_total" INTEGER,
    "rules_by_product" JSONB,
    "log_bytes" BIGINT,
    "log_rotations" INTEGER,
    "dispatch" TEXT,
    "dispatch_lossy" BOOLEAN,
    "consumers" JSONB,
    "received_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "host_cost_windows_pkey" PRIMARY KEY ("host_id","window_start")
);

-- CreateTable
CREATE TABLE "host_product_costs" (
    "id" BIGSERIAL NOT NULL,
    "host_id" UUID NOT NULL,
    "window_start" TIMESTAMP(3) NOT NULL,
    "window_end" TIMESTAMP(3) NOT NULL,
    "name" TEXT NOT NULL,
    "product" TEXT NOT NULL,
    "cpu_ms" BIGINT NOT NULL,
    "peak_rss_kb" BIGINT NOT NULL,
    "peak_hwm_kb" BIGINT NOT NULL,
    "processes" INTEGER NOT NULL,

    CONSTRAINT "host_product_costs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "host_cost_windows_window_start_idx" ON "host_cost_windows"("window_start");

-- CreateIndex
CREATE INDEX "host_product_costs_window_start_idx" ON "host_product_costs"("window_start");

-- CreateIndex
CREATE UNIQUE INDEX "host_product_costs_host_id_window_start_product_name_key" ON "host_product_costs"("host_id", "window_start", "product", "name");
