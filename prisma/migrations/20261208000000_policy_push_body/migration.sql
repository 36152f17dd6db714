-- The exact body a queued push delivers (webhook JSON, git files, a connector's desired items), kept
-- beside the push: BullMQ holds it only in Redis, and a delivery job lost there (a Redis restarted
-- without persistence, a failover to a replica that lacked the job) left the push "queued" forever.
-- PolicyPushRecoveryService queues such pushes again from this column. NULL for pulls and older rows.
ALTER TABLE "policy_pushes" ADD COLUMN "body" TEXT;
