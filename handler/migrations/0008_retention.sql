-- Retention that is true: what a user deleted stops being answered, and what expires is deleted.
--
-- A remembered response (idempotency_keys) names the thing it describes (`resource`, e.g.
-- records/<id>), so that deleting that thing forgets the response in the same transaction
-- (handler.dal.idempotency.forget). diary_app may do that, and erase a user's rows, only for the
-- caller of the transaction: row-level security by `owner`, as the user tables have by user_id.
-- Not FORCEd: the Powertools persistence layer works on the table as the login role, which owns
-- it, for no user (a key is a hash of the caller, route and key, so it only meets its own rows).
ALTER TABLE idempotency_keys ADD COLUMN IF NOT EXISTS resource text;
CREATE INDEX IF NOT EXISTS idempotency_keys_owner_resource_idx ON idempotency_keys (owner, resource);
ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
GRANT SELECT (owner, resource, status), UPDATE (response_data, payload_hash), DELETE ON idempotency_keys TO diary_app;
DROP POLICY IF EXISTS owner_only ON idempotency_keys;
CREATE POLICY owner_only ON idempotency_keys TO diary_app
    USING (owner = current_setting('app.user_id', true))
    WITH CHECK (owner = current_setting('app.user_id', true));

-- diary_retention: the worker's hourly sweep (handler.logic.retention), across users. It can
-- delete remembered responses whose time is up and nothing else of that table (its policy says
-- so), and read and delete exports (ids, keys and times; an export row holds no user text).
DO $$
BEGIN
    CREATE ROLE diary_retention NOLOGIN;
EXCEPTION WHEN duplicate_object THEN
    NULL;
END
$$;
GRANT diary_retention TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO diary_retention;
GRANT SELECT (id, expires_at), DELETE ON idempotency_keys TO diary_retention;
DROP POLICY IF EXISTS retention_sweep ON idempotency_keys;
CREATE POLICY retention_sweep ON idempotency_keys TO diary_retention
    USING (expires_at < extract(epoch FROM now()));
GRANT SELECT (id, s3_key, updated_at), DELETE ON exports TO diary_retention;
DROP POLICY IF EXISTS retention_sweep ON exports;
CREATE POLICY retention_sweep ON exports TO diary_retention USING (true);
