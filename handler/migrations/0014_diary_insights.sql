-- Insights (GET /insights) and a question for today (GET /prompts/today).
--
-- A diary's mood (1-10) and up to three themes, given by the same structured call that writes it
-- (handler/agents/diary_writer), NULL for a diary written before this migration until it is written
-- again or the backfill estimates them (handler.logic.insights.backfill_moods). Themes are kept in
-- one spelling (NFKC, case-folded, as tags are) so that the same theme counts as one.
ALTER TABLE diaries ADD COLUMN IF NOT EXISTS mood smallint CHECK (mood BETWEEN 1 AND 10);
ALTER TABLE diaries ADD COLUMN IF NOT EXISTS themes text[];

-- GET /insights reads "this user, these days" from records (records_user_date_idx, 0001, covers
-- it: an index-only scan) and from diaries; this index covers the diaries' side the same way, so
-- years of diaries are read without visiting the table's pages for their text.
CREATE INDEX IF NOT EXISTS diaries_user_date_mood_idx ON diaries (user_id, diary_date) INCLUDE (mood, themes);

-- The backfill (as diary_backfill, 0005) estimates the mood and themes of diaries that have none:
-- it reads their text already, and may write these two columns besides the embedding.
GRANT SELECT (mood), UPDATE (mood, themes) ON diaries TO diary_backfill;

-- One question to write about per user and day (the user's day in DEFAULT_TIMEZONE), asked once
-- and kept, so that the day's question does not change on every visit and costs one model call.
-- Only today's and yesterday's are read (never yesterday's again); storing a day's question deletes
-- the user's older ones (handler/dal/day_prompts.py).
CREATE TABLE IF NOT EXISTS day_prompts (
    user_id     text        NOT NULL,
    day         date        NOT NULL,
    question    text        NOT NULL CHECK (length(question) > 0),
    language    text        NOT NULL CHECK (language IN ('ko', 'en')),
    model       text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, day)
);
GRANT SELECT, INSERT, DELETE ON day_prompts TO diary_app;
ALTER TABLE day_prompts ENABLE ROW LEVEL SECURITY;
ALTER TABLE day_prompts FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS owner_only ON day_prompts;
CREATE POLICY owner_only ON day_prompts TO diary_app
    USING (user_id = current_setting('app.user_id', true))
    WITH CHECK (user_id = current_setting('app.user_id', true));
