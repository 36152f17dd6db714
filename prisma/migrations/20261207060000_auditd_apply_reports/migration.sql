-- CreateTable
CREATE TABLE "auditd_apply_reports" (
    "host_id" UUID NOT NULL,
    "agent_id" UUID NOT NULL,
    "etag" TEXT NOT NULL,
    "set_id" UUID,
    "set_version" INTEGER,
    "state" TEXT NOT NULL,
    "message" TEXT NOT NULL DEFAULT '',
    "lines" JSONB NOT NULL,
    "applied" INTEGER NOT NULL,
    "skipped" INTEGER NOT NULL,
    "failed" INTEGER NOT NULL,
    "reported_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "auditd_apply_reports_pkey" PRIMARY KEY ("host_id")
);
