-- Text search over records. Korean has no stemmer in PostgreSQL and pg_trgm is not in every
-- server (the embedded one lacks it), so the application indexes character bigrams of Hangul/CJK
-- words and whole Latin words (handler/logic/search_terms.py) into a 'simple' tsvector.
ALTER TABLE records ADD COLUMN IF NOT EXISTS search_terms tsvector NOT NULL DEFAULT ''::tsvector;
CREATE INDEX IF NOT EXISTS records_search_idx ON records USING gin (search_terms);

CREATE TABLE IF NOT EXISTS images (
    id          uuid        PRIMARY KEY,
    user_id     text        NOT NULL,
    diary_date  date,
    prompt      text        NOT NULL,
    s3_key      text        NOT NULL,
    model       text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS images_user_created_idx ON images (user_id, created_at);

CREATE TABLE IF NOT EXISTS reports (
    id            uuid        PRIMARY KEY,
    user_id       text        NOT NULL,
    start_date    date        NOT NULL,
    end_date      date        NOT NULL CHECK (end_date >= start_date),
    status        text        NOT NULL DEFAULT 'pending'
                              CHECK (status IN ('pending', 'running', 'completed', 'failed')),
    daily_scores  jsonb,
    average_score numeric(4, 2),
    themes        jsonb,
    feedback      text,
    failure       text,
    model         text,
    attempts      integer     NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS reports_user_created_idx ON reports (user_id, created_at);
