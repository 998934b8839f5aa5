-- Records a user jots down during the day, and the diary written from one day's records.
CREATE TABLE IF NOT EXISTS records (
    id          uuid        PRIMARY KEY,
    user_id     text        NOT NULL,
    content     text        NOT NULL CHECK (length(content) > 0),
    record_date date        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- "This user, this date range", newest first, with id as the cursor tie-breaker.
CREATE INDEX IF NOT EXISTS records_user_date_idx ON records (user_id, record_date, created_at, id);

CREATE TABLE IF NOT EXISTS diaries (
    user_id     text        NOT NULL,
    diary_date  date        NOT NULL,
    title       text        NOT NULL,
    content     text        NOT NULL,
    model       text        NOT NULL,
    record_ids  uuid[]      NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, diary_date)
);
