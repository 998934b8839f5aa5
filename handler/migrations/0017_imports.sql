-- POST /me/import of a large document, or POST /me/imports (a document uploaded to S3 with a
-- presigned POST, then started): the worker imports it from S3 (handler.logic.data_import).
-- A row holds where the import stands and, once done, its counts: none of the user's words.
CREATE TABLE IF NOT EXISTS imports (
    id          uuid        PRIMARY KEY,
    user_id     text        NOT NULL,
    status      text        NOT NULL DEFAULT 'pending'
                            CHECK (status IN ('awaiting_upload', 'pending', 'running', 'completed', 'failed')),
    s3_key      text        NOT NULL,
    summary     jsonb,
    failure     text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS imports_user_created_idx ON imports (user_id, created_at);
GRANT SELECT, INSERT, UPDATE, DELETE ON imports TO diary_app;
ALTER TABLE imports ENABLE ROW LEVEL SECURITY;
ALTER TABLE imports FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS owner_only ON imports;
CREATE POLICY owner_only ON imports TO diary_app
    USING (user_id = current_setting('app.user_id', true))
    WITH CHECK (user_id = current_setting('app.user_id', true));
