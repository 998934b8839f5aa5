-- Row-level security: a second wall behind the owner filter every statement in handler/dal has.
-- Requests run as the role diary_app (the application switches to it per transaction, together
-- with app.user_id), and its policies show a row only to its owner. FORCE makes the table owner
-- subject to them too; only a superuser (tests, local) bypasses them, and the app never acts as one
-- because it switches role.
DO $$
BEGIN
    CREATE ROLE diary_app NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;  -- roles are cluster-wide: another database of the cluster made it already (or at this moment)
END
$$;
GRANT diary_app TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO diary_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON records, diaries, images, reports TO diary_app;

DO $$
DECLARE
    user_table text;
BEGIN
    FOREACH user_table IN ARRAY ARRAY['records', 'diaries', 'images', 'reports'] LOOP
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
