-- The rollup worker adds every step's counts to existing rows (ON CONFLICT DO UPDATE): the same
-- subject / host / bin row is rewritten by every step of its hour. Free space on each page lets
-- those updates stay on the page (HOT: no new index entries when no indexed column changes),
-- so the tables and their indexes grow with the number of cells, not the number of steps.
-- Storage parameters only (not part of the Prisma schema): no data is rewritten here.
ALTER TABLE "activity_rollups" SET (fillfactor = 70);
ALTER TABLE "noise_fleet_hours" SET (fillfactor = 70);
ALTER TABLE "noise_host_bits" SET (fillfactor = 70);
