-- Logins of their own, so that row-level security has a second wall: a connection can only ever act
-- as what its login was granted. The master user (which runs these migrations) is a member of both
-- diary_app and diary_backfill; a function logged in as the master could switch to diary_backfill
-- (set_config('role', 'diary_backfill', true)) and read every user's texts. So:
--
--   diary_app_login       the API function and the worker: a member of diary_app only
--   diary_backfill_login  the embedding backfill: a member of diary_backfill only
--
-- Neither is a superuser, creates roles or databases, replicates or bypasses row-level security,
-- and neither may create anything in this database (CREATE and TEMPORARY are revoked from PUBLIC
-- below; the public schema is the database owner's). A login acts as itself for service-level
-- statements (role "none" in handler/dal/connection.py) and inherits its group role's grants for
-- them; as itself it is also under that role's policies (a policy applies to the members whose
-- privileges include its role's), and those show a user's rows only to a transaction acting for them.
--
-- Passwords are not set here: in AWS handler/dal/login_roles.py sets each from its Secrets Manager
-- secret on every migration run; locally (pgserver's trust authentication) the logins need none.
-- A LOGIN role without a password cannot log in where the server asks for one.
--
-- Roles are cluster-wide while the advisory lock of handler.migrate holds within one database: a
-- migration of another database of the cluster may create or grant the same at the same moment,
-- and then loses the race with one of these errors.
DO $$
DECLARE
    login text;
    unsafe text;
BEGIN
    FOREACH login IN ARRAY ARRAY['diary_app_login', 'diary_backfill_login'] LOOP
        BEGIN
            EXECUTE format(
                'CREATE ROLE %I LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS',
                login
            );
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END LOOP;
    -- A role of that name made by someone else, with powers these logins must not have, is refused
    -- rather than altered (altering a superuser takes a superuser, which RDS's master is not).
    SELECT string_agg(rolname, ', ') INTO unsafe FROM pg_catalog.pg_roles
    WHERE rolname IN ('diary_app_login', 'diary_backfill_login')
      AND (rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication OR rolbypassrls OR NOT rolinherit);
    IF unsafe IS NOT NULL THEN
        RAISE EXCEPTION 'login role(s) % exist with powers they must not have (superuser, createrole, createdb, replication, bypassrls or noinherit)', unsafe;
    END IF;
END
$$;

-- One block per grant: a block that fails undoes all of its own statements.
DO $$
BEGIN
    GRANT diary_app TO diary_app_login;
EXCEPTION WHEN unique_violation THEN
    NULL;  -- another database's migration granted the same at the same moment
END
$$;
DO $$
BEGIN
    GRANT diary_backfill TO diary_backfill_login;
EXCEPTION WHEN unique_violation THEN
    NULL;
END
$$;

-- Service-level statements (the idempotency records, which belong to no tenant) run as the login
-- itself, with what it inherits from diary_app.
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO diary_app;

-- Nobody but the owner (the master) creates schemas or temporary tables in this database, or
-- objects in its public schema (PostgreSQL 15 and later revoke that already; 14 does not).
DO $$
BEGIN
    EXECUTE format('REVOKE CREATE, TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
END
$$;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
