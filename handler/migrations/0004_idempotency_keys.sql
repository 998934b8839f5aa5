-- Powertools idempotency records for POST requests carrying an Idempotency-Key header. The id is
-- a hash of (caller, route, key), so a caller can only ever meet their own records.
CREATE TABLE IF NOT EXISTS idempotency_keys (
    id                     text   PRIMARY KEY,
    status                 text   NOT NULL,
    expires_at             bigint NOT NULL,  -- epoch seconds
    in_progress_expires_at bigint,           -- epoch milliseconds
    payload_hash           text,
    response_data          text
);
CREATE INDEX IF NOT EXISTS idempotency_keys_expiry_idx ON idempotency_keys (expires_at);
