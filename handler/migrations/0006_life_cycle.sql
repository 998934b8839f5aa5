-- The whole life of a diary: the user's own edits and tags, richer reports, exports of a user's
-- data, and what the erasure of a user needs to find.

-- A diary the user edited (PUT /diaries/{date}) is not silently rewritten by POST /diaries.
ALTER TABLE diaries ADD COLUMN IF NOT EXISTS edited boolean NOT NULL DEFAULT false;
ALTER TABLE diaries ADD COLUMN IF NOT EXISTS tags text[] NOT NULL DEFAULT '{}';
CREATE INDEX IF NOT EXISTS diaries_tags_idx ON diaries USING gin (tags);
CREATE INDEX IF NOT EXISTS images_user_diary_idx ON images (user_id, diary_date);

-- Reports as the original service showed them: per day a score, a sentiment and themes (in
-- daily_scores), the period's patterns, 3-5 feedback points and an overall evaluation (feedback).
ALTER TABLE reports ADD COLUMN IF NOT EXISTS patterns jsonb;
ALTER TABLE reports ADD COLUMN IF NOT EXISTS feedback_points jsonb;
ALTER TABLE reports ADD COLUMN IF NOT EXISTS missing_days jsonb;

-- GET /me/export of a large account: the worker writes the document to S3.
CREATE TABLE IF NOT EXISTS exports (
    id          uuid        PRIMARY KEY,
    user_id     text        NOT NULL,
    status      text        NOT NULL DEFAULT 'pending'
                            CHECK (status IN ('pending', 'running', 'completed', 'failed')),
    s3_key      text,
    failure     text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS exports_user_created_idx ON exports (user_id, created_at);
GRANT SELECT, INSERT, UPDATE, DELETE ON exports TO diary_app;
ALTER TABLE exports ENABLE ROW LEVEL SECURITY;
ALTER TABLE exports FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS owner_only ON exports;
CREATE POLICY owner_only ON exports TO diary_app
    USING (user_id = current_setting('app.user_id', true))
    WITH CHECK (user_id = current_setting('app.user_id', true));

-- An idempotency record holds a response, the caller's words in it: DELETE /me erases them by
-- owner (rows from before this column expire within a day).
ALTER TABLE idempotency_keys ADD COLUMN IF NOT EXISTS owner text;
CREATE INDEX IF NOT EXISTS idempotency_keys_owner_idx ON idempotency_keys (owner);
