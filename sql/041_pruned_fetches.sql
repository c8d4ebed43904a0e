-- Retention of raw fetches (toggl-warehouse prune, and the daily run after a successful load).
--
-- A pruned fetch keeps its record in toggl_raw.fetches (which run fetched what, the requests it cost; the change
-- log names its run through it) with status 'pruned'; its pages are deleted, and the bodies no page refers to.
-- Replay reads complete fetches only, and prune keeps every fetch replay needs. No table is rewritten.

ALTER TABLE toggl_raw.fetches DROP CONSTRAINT IF EXISTS fetches_status_known;
ALTER TABLE toggl_raw.fetches ADD CONSTRAINT fetches_status_known CHECK (status IN ('running', 'complete', 'failed', 'pruned'));
ALTER TABLE toggl_raw.fetches ADD COLUMN IF NOT EXISTS pruned_at timestamptz;
COMMENT ON COLUMN toggl_raw.fetches.status IS 'running, complete, failed, or pruned (its pages were removed by retention: the record stays, replay no longer uses it).';
COMMENT ON COLUMN toggl_raw.fetches.pruned_at IS 'When retention removed the pages of this fetch; NULL while they are kept.';
