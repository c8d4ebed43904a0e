-- What each loaded fetch said about each of its days, as a digest: lets retention drop a daily run whose days a
-- kept fetch reproduces exactly.
--
-- Under the daily schedule every run is the latest fetch of one date (the oldest of its trailing window), so
-- "keep the latest fetch of each date" alone keeps every run: a year of daily runs stored ~8x the backfilled
-- year. With these digests retention keeps, for each date, an older fetch that gives the same rows as the latest
-- (a day nobody edited after its first week). Written by the load, inside its transaction, from the rows the
-- window replace left for each day of the fetch's range ('' for a day without rows); a fetch loaded before this
-- migration has none and is treated as unlike any other. Deleted with its fetch. New table: nothing rewritten.

CREATE TABLE IF NOT EXISTS toggl_raw.fetch_day_digests (
    fetch_id bigint NOT NULL REFERENCES toggl_raw.fetches (fetch_id) ON DELETE CASCADE,
    day      date   NOT NULL,
    rows     integer NOT NULL,
    digest   text   NOT NULL,
    PRIMARY KEY (fetch_id, day)
);
COMMENT ON TABLE toggl_raw.fetch_day_digests IS 'Per loaded fetch and day of its range: the rows its load left for that day, as a count and an md5 (loaded_at aside). Retention compares fetches by it; a replay writes the same values.';
COMMENT ON COLUMN toggl_raw.fetch_day_digests.fetch_id IS 'The loaded fetch (toggl_raw.fetches).';
COMMENT ON COLUMN toggl_raw.fetch_day_digests.day IS 'A day of the fetch''s range.';
COMMENT ON COLUMN toggl_raw.fetch_day_digests.rows IS 'Rows the load left for the day.';
COMMENT ON COLUMN toggl_raw.fetch_day_digests.digest IS 'md5 of those rows as text, loaded_at removed, in text order; empty for a day without rows.';
