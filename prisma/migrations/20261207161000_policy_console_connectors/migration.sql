-- Issue 14 item 3: native console connectors (Cisco Secure Endpoint, Intune, Jamf) are policy targets.
-- Their credentials go, sealed (SecretBox, JSON), in the existing "secret" column, what is not secret
-- (base URL, region, organization, exclusion set / policy / profile id) in "config".
ALTER TABLE "policy_targets" ADD COLUMN "config" JSONB;

-- What each connector push did: the plan (add/remove/unchanged against the console's owned items),
-- the ledger of owned console items after apply ("applied": [{key, consoleId, body}], also written after
-- a partial apply so no item the hub created is ever mistaken for a human-made one), whether the read-back
-- matched the plan exactly, and the drift found before it (owned items changed or removed by hand).
ALTER TABLE "policy_pushes" ADD COLUMN "plan" JSONB;
ALTER TABLE "policy_pushes" ADD COLUMN "applied" JSONB;
ALTER TABLE "policy_pushes" ADD COLUMN "verified" BOOLEAN;
ALTER TABLE "policy_pushes" ADD COLUMN "drift" JSONB;
