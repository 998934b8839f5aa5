-- Retention that is true: what a user deleted stops being answered, and what expires is deleted.
--
-- A remembered response (idempotency_keys) names the thing it describes (`resource`, e.g.
-- records/<id>), so that deleting that thing forgets the response in the same transaction
-- (handler.dal.idempotency.forget). diary_app may do that, and erase a user's rows, only for the
-- caller of the transaction: row-level security by `owner`, as the user tables have by user_id.
-- The Powertools persistence layer (handler.dal.idempotency) acts for the request's caller, so
-- these policies hold it to the caller's own rows as well.
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
-- Roles are cluster-wide: another database's migration may create or grant the same at the same
-- moment (see 0008_login_roles.sql), hence unique_violation beside duplicate_object.
DO $$
BEGIN
    CREATE ROLE diary_retention NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;
DO $$
BEGIN
    GRANT diary_retention TO CURRENT_USER;
EXCEPTION WHEN unique_violation THEN
    NULL;
END
$$;
-- The worker runs the sweep, logged in as diary_app_login (0008_login_roles.sql): it may act as
-- diary_retention too, which reads no user's words and deletes only what has expired.
DO $$
BEGIN
    GRANT diary_retention TO diary_app_login;
EXCEPTION WHEN unique_violation THEN
    NULL;  -- another database's migration granted the same at the same moment
END
$$;
GRANT USAGE ON SCHEMA public TO diary_retention;
GRANT SELECT (id, expires_at), DELETE ON idempotency_keys TO diary_retention;
DROP POLICY IF EXISTS retention_sweep ON idempotency_keys;
CREATE POLICY retention_sweep ON idempotency_keys TO diary_retention
    USING (expires_at < extract(epoch FROM now()));
GRANT SELECT (id, s3_key, updated_at), DELETE ON exports TO diary_retention;
DROP POLICY IF EXISTS retention_sweep ON exports;
CREATE POLICY retention_sweep ON exports TO diary_retention USING (true);
