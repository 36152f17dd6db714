-- CreateTable
CREATE TABLE "hosts" (
    "id" UUID NOT NULL,
    "hostname" TEXT NOT NULL,
    "os" TEXT NOT NULL,
    "machine_id" TEXT,
    "agent_version" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMP(3),

    CONSTRAINT "hosts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agents" (
    "id" UUID NOT NULL,
    "host_id" UUID NOT NULL,
    "token_hash" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMP(3),

    CONSTRAINT "agents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "enrollment_secrets" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMP(3),
    "max_uses" INTEGER,
    "uses" INTEGER NOT NULL DEFAULT 0,
    "revoked_at" TIMESTAMP(3),

    CONSTRAINT "enrollment_secrets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_tokens" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMP(3),

    CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ingest_batches" (
    "host_id" UUID NOT NULL,
    "sequence" BIGINT NOT NULL,
    "source" TEXT NOT NULL,
    "window_start" TIMESTAMP(3) NOT NULL,
    "window_end" TIMESTAMP(3) NOT NULL,
    "events" BIGINT NOT NULL,
    "skipped" BIGINT NOT NULL,
    "dropped" BIGINT NOT NULL,
    "received_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ingest_batches_pkey" PRIMARY KEY ("host_id","sequence")
);

-- CreateTable
CREATE TABLE "exec_counts" (
    "id" BIGSERIAL NOT NULL,
    "host_id" UUID NOT NULL,
    "sequence" BIGINT NOT NULL,
    "source" TEXT NOT NULL,
    "window_start" TIMESTAMP(3) NOT NULL,
    "window_end" TIMESTAMP(3) NOT NULL,
    "path" TEXT NOT NULL,
    "parent_path" TEXT NOT NULL DEFAULT '',
    "user" TEXT NOT NULL DEFAULT '',
    "count" BIGINT NOT NULL,

    CONSTRAINT "exec_counts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "file_counts" (
    "id" BIGSERIAL NOT NULL,
    "host_id" UUID NOT NULL,
    "sequence" BIGINT NOT NULL,
    "source" TEXT NOT NULL,
    "window_start" TIMESTAMP(3) NOT NULL,
    "window_end" TIMESTAMP(3) NOT NULL,
    "path" TEXT NOT NULL,
    "op" TEXT NOT NULL,
    "process_path" TEXT NOT NULL DEFAULT '',
    "count" BIGINT NOT NULL,

    CONSTRAINT "file_counts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_key_counts" (
    "id" BIGSERIAL NOT NULL,
    "host_id" UUID NOT NULL,
    "sequence" BIGINT NOT NULL,
    "window_start" TIMESTAMP(3) NOT NULL,
    "key" TEXT NOT NULL,
    "count" BIGINT NOT NULL,

    CONSTRAINT "audit_key_counts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "syscall_counts" (
    "id" BIGSERIAL NOT NULL,
    "host_id" UUID NOT NULL,
    "sequence" BIGINT NOT NULL,
    "window_start" TIMESTAMP(3) NOT NULL,
    "syscall" TEXT NOT NULL,
    "count" BIGINT NOT NULL,

    CONSTRAINT "syscall_counts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "exclusion_sets" (
    "id" UUID NOT NULL,
    "version" SERIAL NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "job_id" TEXT,
    "params" JSONB NOT NULL,

    CONSTRAINT "exclusion_sets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "exclusion_items" (
    "id" UUID NOT NULL,
    "set_id" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "is_directory" BOOLEAN NOT NULL DEFAULT false,
    "global_scope_eligible" BOOLEAN NOT NULL DEFAULT false,
    "user" TEXT NOT NULL DEFAULT '',
    "apply_to_children" BOOLEAN NOT NULL DEFAULT false,
    "reason" TEXT NOT NULL,
    "risk" JSONB NOT NULL,
    "evidence" JSONB NOT NULL,

    CONSTRAINT "exclusion_items_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "hosts_machine_id_key" ON "hosts"("machine_id");

-- CreateIndex
CREATE UNIQUE INDEX "agents_token_hash_key" ON "agents"("token_hash");

-- CreateIndex
CREATE INDEX "agents_host_id_idx" ON "agents"("host_id");

-- CreateIndex
CREATE UNIQUE INDEX "enrollment_secrets_secret_hash_key" ON "enrollment_secrets"("secret_hash");

-- CreateIndex
CREATE UNIQUE INDEX "api_tokens_token_hash_key" ON "api_tokens"("token_hash");

-- CreateIndex
CREATE INDEX "ingest_batches_window_start_idx" ON "ingest_batches"("window_start");

-- CreateIndex
CREATE INDEX "exec_counts_path_idx" ON "exec_counts"("path");

-- CreateIndex
CREATE INDEX "exec_counts_host_id_window_start_idx" ON "exec_counts"("host_id", "window_start");

-- CreateIndex
CREATE INDEX "file_counts_path_idx" ON "file_counts"("path");

-- CreateIndex
CREATE INDEX "file_counts_host_id_window_start_idx" ON "file_counts"("host_id", "window_start");

-- CreateIndex
CREATE INDEX "audit_key_counts_host_id_window_start_idx" ON "audit_key_counts"("host_id", "window_start");

-- CreateIndex
CREATE INDEX "syscall_counts_host_id_window_start_idx" ON "syscall_counts"("host_id", "window_start");

-- CreateIndex
CREATE UNIQUE INDEX "exclusion_sets_version_key" ON "exclusion_sets"("version");

-- CreateIndex
CREATE UNIQUE INDEX "exclusion_items_set_id_type_value_user_key" ON "exclusion_items"("set_id", "type", "value", "user");

-- AddForeignKey
ALTER TABLE "agents" ADD CONSTRAINT "agents_host_id_fkey" FOREIGN KEY ("host_id") REFERENCES "hosts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ingest_batches" ADD CONSTRAINT "ingest_batches_host_id_fkey" FOREIGN KEY ("host_id") REFERENCES "hosts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "exclusion_items" ADD CONSTRAINT "exclusion_items_set_id_fkey" FOREIGN KEY ("set_id") REFERENCES "exclusion_sets"("id") ON DELETE CASCADE ON UPDATE CASCADE;
