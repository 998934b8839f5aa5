-- Photos on records (handler.logic.photos). A photo is asked for first (POST /records/{id}/photos:
-- a row `pending`, and a presigned S3 POST whose policy binds the key, the content type and the
-- exact size), then uploaded by the client straight to S3. It becomes `stored` when the service
-- finds its object (a HEAD when the record is listed, or the retention sweep); a pending photo
-- whose upload window (`upload_expires_at`, the POST policy's expiration) has passed is never
-- listed, and the sweep deletes it, row and any object, so an upload that never arrives leaves
-- nothing behind. A photo goes with its record (ON DELETE CASCADE; the S3 objects are deleted by
-- the same use case, handler.logic.records.delete_record).
CREATE TABLE IF NOT EXISTS photos (
    id                uuid        PRIMARY KEY,
    user_id           text        NOT NULL,
    record_id         uuid        NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    s3_key            text        NOT NULL UNIQUE,
    content_type      text        NOT NULL
                                  CHECK (content_type IN ('image/jpeg', 'image/png', 'image/heic', 'image/webp')),
    size_bytes        bigint      NOT NULL CHECK (size_bytes > 0),
    status            text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'stored')),
    upload_expires_at timestamptz NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now()
);
-- A record's photos (listing and the cascade), a user's (export, erasure), the sweep's.
CREATE INDEX IF NOT EXISTS photos_record_idx ON photos (record_id, created_at);
CREATE INDEX IF NOT EXISTS photos_user_created_idx ON photos (user_id, created_at);
CREATE INDEX IF NOT EXISTS photos_pending_idx ON photos (upload_expires_at) WHERE status = 'pending';

GRANT SELECT, INSERT, UPDATE, DELETE ON photos TO diary_app;
ALTER TABLE photos ENABLE ROW LEVEL SECURITY;
ALTER TABLE photos FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS owner_only ON photos;
CREATE POLICY owner_only ON photos TO diary_app
    USING (user_id = current_setting('app.user_id', true))
    WITH CHECK (user_id = current_setting('app.user_id', true));

-- The retention sweep (diary_retention, 0009) reads only photos whose upload window has passed, and
-- only their id, key and status; it may mark a pending one stored (its object did arrive) and delete
-- a pending one, nothing else. Separate policies: an UPDATE whose WHERE reads the table must leave a
-- new row that its SELECT policy still shows (https://www.postgresql.org/docs/16/sql-createpolicy.html).
GRANT SELECT (id, s3_key, status, upload_expires_at), UPDATE (status), DELETE ON photos TO diary_retention;
DROP POLICY IF EXISTS retention_sweep ON photos;
DROP POLICY IF EXISTS retention_read ON photos;
CREATE POLICY retention_read ON photos FOR SELECT TO diary_retention USING (upload_expires_at < now());
DROP POLICY IF EXISTS retention_store ON photos;
CREATE POLICY retention_store ON photos FOR UPDATE TO diary_retention
    USING (status = 'pending' AND upload_expires_at < now())
    WITH CHECK (status = 'stored');
DROP POLICY IF EXISTS retention_delete ON photos;
CREATE POLICY retention_delete ON photos FOR DELETE TO diary_retention
    USING (status = 'pending' AND upload_expires_at < now());

-- Photos count in the user's day (handler.logic.quotas): how many were asked for and their bytes,
-- beside the day's model work, so that one atomic statement admits an upload (0012).
ALTER TABLE model_usage ADD COLUMN IF NOT EXISTS photos integer NOT NULL DEFAULT 0 CHECK (photos >= 0);
ALTER TABLE model_usage ADD COLUMN IF NOT EXISTS photo_bytes bigint NOT NULL DEFAULT 0 CHECK (photo_bytes >= 0);

-- A presigned POST cannot be taken back: a photo deleted (alone, with its record, or with its user)
-- while its form is still valid could still be uploaded by it, and that object would be named by
-- no row. Such a photo's key is kept here until its form has expired; the retention sweep then
-- deletes every S3 version under it and the row (handler.logic.photos).
CREATE TABLE IF NOT EXISTS photo_leftovers (
    s3_key       text        PRIMARY KEY,
    user_id      text        NOT NULL,
    delete_after timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS photo_leftovers_due_idx ON photo_leftovers (delete_after);
GRANT SELECT, INSERT, DELETE ON photo_leftovers TO diary_app;
ALTER TABLE photo_leftovers ENABLE ROW LEVEL SECURITY;
ALTER TABLE photo_leftovers FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS owner_only ON photo_leftovers;
CREATE POLICY owner_only ON photo_leftovers TO diary_app
    USING (user_id = current_setting('app.user_id', true))
    WITH CHECK (user_id = current_setting('app.user_id', true));
GRANT SELECT (s3_key, delete_after), DELETE ON photo_leftovers TO diary_retention;
DROP POLICY IF EXISTS retention_sweep ON photo_leftovers;
CREATE POLICY retention_sweep ON photo_leftovers TO diary_retention USING (delete_after < now());
