-- AlterTable
ALTER TABLE "exclusion_decisions" ADD COLUMN     "scope" JSONB,
ADD COLUMN     "scope_digest" TEXT;

-- Decisions made before approvals bound their scope: bind each to the item row it was made on,
-- which is exactly what the reviewer saw. Decisions whose item row is gone keep a NULL scope, and
-- an approval without a scope covers nothing until it is renewed (the hub shows it as pending).
UPDATE "exclusion_decisions" d
SET "scope" = jsonb_build_object(
  'type', i.type,
  'value', i.value,
  'user', i."user",
  'applyToChildren', i.apply_to_children,
  'isDirectory', i.is_directory,
  'globalScopeEligible', i.global_scope_eligible,
  'riskLevel', CASE WHEN i.risk->>'level' IN ('low', 'medium', 'high') THEN i.risk->>'level' ELSE 'high' END,
  'riskFlags', (SELECT coalesce(jsonb_agg(DISTINCT f ORDER BY f), '[]'::jsonb)
                FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(i.risk->'flags') = 'array' THEN i.risk->'flags' ELSE '[]'::jsonb END) AS f)
)
FROM "exclusion_items" i
WHERE i.id = d.item_id AND d."scope" IS NULL;
