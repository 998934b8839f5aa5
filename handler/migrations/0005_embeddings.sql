-- Retrieval by meaning: an embedding per record and per diary (handler/inference/embeddings.py),
-- where the server has pgvector (RDS for PostgreSQL 16 and the embedded pgserver do; Debian's
-- PostgreSQL 15 packages do not). Without it nothing is added and the service searches by words
-- only; running this file again where pgvector has since appeared needs a migration of its own.
-- EXECUTE: the vector type only exists once the extension is created, inside this same block.
--
-- No approximate index: every search is one user's rows (at most a few thousand), scanned exactly
-- through records_user_date_idx; an HNSW index over all users would filter after ranking and could
-- return fewer than a user's nearest.
--
-- diary_backfill embeds rows that have no embedding yet (a write whose embedding failed, rows from
-- before this migration). It works across users, so row-level security gives it a policy of its
-- own; its grants are column by column: it can read a row's text and write its embedding, nothing
-- else.
DO $$
BEGIN
    CREATE ROLE diary_backfill NOLOGIN;
EXCEPTION WHEN duplicate_object THEN
    NULL;
END
$$;
GRANT diary_backfill TO CURRENT_USER;

DO $$
DECLARE
    user_table text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
        RAISE NOTICE 'pgvector is not available: questions are answered by words only';
        RETURN;
    END IF;
    CREATE EXTENSION IF NOT EXISTS vector;
    EXECUTE 'ALTER TABLE records ADD COLUMN IF NOT EXISTS embedding vector(1024)';
    EXECUTE 'ALTER TABLE diaries ADD COLUMN IF NOT EXISTS embedding vector(1024)';
    EXECUTE 'GRANT USAGE ON SCHEMA public TO diary_backfill';
    EXECUTE 'GRANT SELECT (id, user_id, content, embedding) ON records TO diary_backfill';
    EXECUTE 'GRANT UPDATE (embedding) ON records TO diary_backfill';
    EXECUTE 'GRANT SELECT (user_id, diary_date, title, content, embedding) ON diaries TO diary_backfill';
    EXECUTE 'GRANT UPDATE (embedding) ON diaries TO diary_backfill';
    FOREACH user_table IN ARRAY ARRAY['records', 'diaries'] LOOP
        EXECUTE format('DROP POLICY IF EXISTS backfill_embeddings ON %I', user_table);
        EXECUTE format('CREATE POLICY backfill_embeddings ON %I TO diary_backfill USING (true) WITH CHECK (true)', user_table);
    END LOOP;
END
$$;
