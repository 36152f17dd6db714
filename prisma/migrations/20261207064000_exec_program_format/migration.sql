-- Issue 19 item 4: what each executed program file is, as the agent read it (ExecCount.program_format),
-- so a #! script never becomes a process exclusion and an unread program is marked confirm Mach-O/ELF.
-- A smallint code ordered by strength (apps/hub/src/ingest/program-format-code.ts: 1 unreadable,
-- 2 other, 3 elf, 4 mach-o, 5 script), so merging readings is max(): a script seen once stays a script.
-- NULL: not reported (older agents, captures of another host). Adding a nullable column to the
-- partitioned parent adds it to every partition without rewriting them.
ALTER TABLE "exec_counts" ADD COLUMN "program_format" SMALLINT;

-- The strongest reading over the batches of a cell (exec, scan and audit-exe subjects, NULL for the others).
ALTER TABLE "activity_rollups" ADD COLUMN "program_format" SMALLINT;
