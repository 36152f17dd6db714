-- CreateTable
CREATE TABLE "host_ingest_usage" (
    "host_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "rows" BIGINT NOT NULL,
    "events" BIGINT NOT NULL,

    CONSTRAINT "host_ingest_usage_pkey" PRIMARY KEY ("host_id")
);
