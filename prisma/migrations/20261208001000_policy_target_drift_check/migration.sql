-- The last scheduled drift check of a console connector target (PolicyDriftCheckService): when it ran,
-- how many owned console items it found changed, removed or added by hand (NULL when the console could
-- not be read), and why it could not read the console. The details stay a live read (GET .../drift).
ALTER TABLE "policy_targets" ADD COLUMN "drift_checked_at" TIMESTAMP(3);
ALTER TABLE "policy_targets" ADD COLUMN "drift_items" INTEGER;
ALTER TABLE "policy_targets" ADD COLUMN "drift_error" TEXT;
