-- Retrieval by meaning: an embedding per record and per diary (handler/inference/embeddings.py).
-- pgvector is required: RDS for PostgreSQL 16 and the embedded pgserver have it; handler.migrate
-- refuses a server without it before anything is applied. (Until pgvector was required, this file
-- added nothing where it was missing; a database migrated that way on a server that has pgvector
-- since gets the columns by deleting this file's row from schema_migrations and migrating again:
-- every statement here is safe to repeat.)
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
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;
GRANT diary_backfill TO CURRENT_USER;

-- The statements of this file are parsed together but analysed one at a time, so the columns'
-- type exists by the time they are added.
CREATE EXTENSION IF NOT EXISTS vector;
ALTER TABLE records ADD COLUMN IF NOT EXISTS embedding vector(1024);
ALTER TABLE diaries ADD COLUMN IF NOT EXISTS embedding vector(1024);
GRANT USAGE ON SCHEMA public TO diary_backfill;
GRANT SELECT (id, user_id, content, embedding) ON records TO diary_backfill;
GRANT UPDATE (embedding) ON records TO diary_backfill;
GRANT SELECT (user_id, diary_date, title, content, embedding) ON diaries TO diary_backfill;
GRANT UPDATE (embedding) ON diaries TO diary_backfill;
DROP POLICY IF EXISTS backfill_embeddings ON records;
CREATE POLICY backfill_embeddings ON records TO diary_backfill USING (true) WITH CHECK (true);
DROP POLICY IF EXISTS backfill_embeddings ON diaries;
CREATE POLICY backfill_embeddings ON diaries TO diary_backfill USING (true) WITH CHECK (true);
