-- Per-user limits on model work (handler.logic.quotas): what each user spent on a day, and where
-- they stand in the short-window rate of the expensive routes. One row per user and day, and one
-- per user, so that every admission is one atomic INSERT ... ON CONFLICT DO UPDATE on one row:
-- concurrent requests of the same user queue on its lock and each sees the others' counts.

-- `day` is the user's day in DEFAULT_TIMEZONE (the day records default to); counts only grow
-- within a day, but for the model calls a request reserved and did not make, which it gives back.
CREATE TABLE IF NOT EXISTS model_usage (
    user_id     text        NOT NULL,
    day         date        NOT NULL,
    model_calls integer     NOT NULL DEFAULT 0 CHECK (model_calls >= 0),
    pictures    integer     NOT NULL DEFAULT 0 CHECK (pictures >= 0),
    tokens      bigint      NOT NULL DEFAULT 0 CHECK (tokens >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, day)
);

-- The rate as one moment per user (the generic cell rate algorithm): each admitted request moves
-- `next_free_at` on by window/limit; a request is refused while that moment is more than the window
-- ahead of now. That is a bucket of `limit` requests refilled one every window/limit seconds.
CREATE TABLE IF NOT EXISTS request_rates (
    user_id      text        PRIMARY KEY,
    next_free_at timestamptz NOT NULL
);

GRANT SELECT, INSERT, UPDATE, DELETE ON model_usage, request_rates TO diary_app;
DO $$
DECLARE
    user_table text;
BEGIN
    FOREACH user_table IN ARRAY ARRAY['model_usage', 'request_rates'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', user_table);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', user_table);
        EXECUTE format('DROP POLICY IF EXISTS owner_only ON %I', user_table);
        EXECUTE format(
            'CREATE POLICY owner_only ON %I TO diary_app'
            ' USING (user_id = current_setting(''app.user_id'', true))'
            ' WITH CHECK (user_id = current_setting(''app.user_id'', true))',
            user_table
        );
    END LOOP;
END
$$;
