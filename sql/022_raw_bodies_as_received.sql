-- Bodies are kept as the bytes received, compressed with lz4 where the server has it.
--
-- Storing each page as jsonb made Postgres parse and re-compress (pglz) every ~800 kB page as it landed:
-- ~60 ms of server CPU per page, measured here, against ~5 ms for the bytes with lz4. The bytes are also the
-- exact content the SHA-256 names. Bodies landed before this migration keep their jsonb column; the view
-- toggl_raw.json_bodies shows every JSON body as jsonb, old or new.

ALTER TABLE toggl_raw.bodies ADD COLUMN IF NOT EXISTS is_json boolean;
UPDATE toggl_raw.bodies SET is_json = (body_json IS NOT NULL) WHERE is_json IS NULL;
ALTER TABLE toggl_raw.bodies ALTER COLUMN is_json SET NOT NULL;

DO $$
BEGIN
    ALTER TABLE toggl_raw.bodies ALTER COLUMN body_bytes SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    RAISE NOTICE 'this PostgreSQL has no lz4; toggl_raw.bodies.body_bytes keeps the default compression';
END
$$;

COMMENT ON TABLE toggl_raw.bodies IS 'Response bodies, stored once per distinct content, as the bytes received (toggl_raw.json_bodies shows the JSON ones as jsonb).';
COMMENT ON COLUMN toggl_raw.bodies.body_json IS 'The body as jsonb, for bodies landed before migration 022; NULL since (see body_bytes).';
COMMENT ON COLUMN toggl_raw.bodies.body_bytes IS 'The body bytes exactly as received: every body landed since migration 022 (JSON pages, export files, a truncated or HTML page kept for inspection); before it, only bodies that were not JSON.';
COMMENT ON COLUMN toggl_raw.bodies.is_json IS 'True when the body parsed as JSON when it was received (and holds no NUL character, which jsonb cannot store).';

CREATE OR REPLACE VIEW toggl_raw.json_bodies AS
SELECT content_sha256,
       content_type,
       coalesce(body_json, convert_from(body_bytes, 'UTF8')::jsonb) AS body,
       size_bytes,
       first_received_at
  FROM toggl_raw.bodies
 WHERE is_json;
COMMENT ON VIEW toggl_raw.json_bodies IS 'Every JSON response body as jsonb, however it was stored: join toggl_raw.pages on content_sha256 to query raw pages with JSON operators.';
COMMENT ON COLUMN toggl_raw.json_bodies.content_sha256 IS 'SHA-256 of the body bytes exactly as received.';
COMMENT ON COLUMN toggl_raw.json_bodies.content_type IS 'Content-Type of the first response with this body.';
COMMENT ON COLUMN toggl_raw.json_bodies.body IS 'The body as jsonb.';
COMMENT ON COLUMN toggl_raw.json_bodies.size_bytes IS 'Size of the body as received, in bytes.';
COMMENT ON COLUMN toggl_raw.json_bodies.first_received_at IS 'When this content was first received.';
