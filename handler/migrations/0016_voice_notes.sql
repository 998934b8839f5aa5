-- Voice notes (handler.logic.voice_notes). A note is asked for first (POST /voice-notes: a row
-- `uploading` and a presigned S3 POST bound to its key, type and exact size), uploaded by the client
-- straight to S3, then handed to Amazon Transcribe by the worker (`transcribing`). Its transcript
-- becomes a record (`done`, `record_id`), stored in the same transaction that marks the note done,
-- or the note fails with the reason (`failed`, `failure`) and no record is stored. A note goes with
-- its record (ON DELETE CASCADE; its S3 objects are deleted by the same use case,
-- handler.logic.records.delete_record) and with its user (handler.logic.user_data.erase).
CREATE TABLE IF NOT EXISTS voice_notes (
    id                uuid        PRIMARY KEY,
    user_id           text        NOT NULL,
    s3_key            text        NOT NULL UNIQUE,
    content_type      text        NOT NULL,
    size_bytes        bigint      NOT NULL CHECK (size_bytes > 0),
    record_date       date,
    status            text        NOT NULL DEFAULT 'uploading'
                                  CHECK (status IN ('uploading', 'transcribing', 'done', 'failed')),
    record_id         uuid        REFERENCES records (id) ON DELETE CASCADE,
    language_code     text,
    failure           text,
    upload_expires_at timestamptz NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    -- A record exactly when done; a reason exactly when failed.
    CHECK ((status = 'done') = (record_id IS NOT NULL)),
    CHECK ((status = 'failed') = (failure IS NOT NULL))
);
-- A user's notes (export, erasure), a record's note (listing, the cascade).
CREATE INDEX IF NOT EXISTS voice_notes_user_created_idx ON voice_notes (user_id, created_at);
CREATE INDEX IF NOT EXISTS voice_notes_record_idx ON voice_notes (record_id) WHERE record_id IS NOT NULL;

GRANT SELECT, INSERT, UPDATE, DELETE ON voice_notes TO diary_app;
ALTER TABLE voice_notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE voice_notes FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS owner_only ON voice_notes;
CREATE POLICY owner_only ON voice_notes TO diary_app
    USING (user_id = current_setting('app.user_id', true))
    WITH CHECK (user_id = current_setting('app.user_id', true));

-- The retention sweep (diary_retention, 0009) deletes a note whose audio was never handed over: still
-- `uploading` a day after its POST policy expired (the day: time for a client whose upload went
-- through to call POST /voice-notes/{id}/transcribe after all). It reads only such notes, and only
-- their id, key and state; the S3 objects under the note's prefix go in the same transaction
-- (handler.logic.voice_notes.purge_abandoned).
GRANT SELECT (id, s3_key, status, upload_expires_at), DELETE ON voice_notes TO diary_retention;
DROP POLICY IF EXISTS retention_read ON voice_notes;
CREATE POLICY retention_read ON voice_notes FOR SELECT TO diary_retention
    USING (status = 'uploading' AND upload_expires_at < now() - interval '1 day');
DROP POLICY IF EXISTS retention_delete ON voice_notes;
CREATE POLICY retention_delete ON voice_notes FOR DELETE TO diary_retention
    USING (status = 'uploading' AND upload_expires_at < now() - interval '1 day');
