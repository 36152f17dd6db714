-- Per-host and per-tag noise queries read only this index (index-only scans), not the heap.
-- DropIndex
DROP INDEX "noise_host_hours_host_seq_kind_bin_idx";

-- CreateIndex
CREATE INDEX "noise_host_hours_host_seq_kind_bin_subject_id_source_count__idx" ON "noise_host_hours"("host_seq", "kind", "bin", "subject_id", "source", "count", "first_start", "last_end");
