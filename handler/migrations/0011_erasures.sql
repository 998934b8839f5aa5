-- Erasures (DELETE /me): the record that an erasure was asked for, kept until it is done and
-- afterwards as its proof, without the person's data.
--
-- `subject` is a pseudonym of the user's id (SHA-256 of it, handler.logic.erasure): it lets the API
-- refuse an erased user's tokens, which stay valid until they expire, and lets anyone who holds
-- the id check that it was erased, but does not give the id back. `user_id` is held only while
-- the erasure is pending, for the schedule that sends it again (nothing expires from a table, as
-- messages do from a queue); completing the erasure clears it. `erased` holds counts only.
CREATE TABLE IF NOT EXISTS erasures (
    subject       text        PRIMARY KEY,
    user_id       text,
    status        text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')),
    requested_at  timestamptz NOT NULL DEFAULT now(),
    sent_at       timestamptz NOT NULL DEFAULT now(),
    completed_at  timestamptz,
    erased        jsonb,
    CONSTRAINT erasures_id_only_while_pending CHECK ((status = 'pending') = (user_id IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS erasures_pending_idx ON erasures (sent_at) WHERE status = 'pending';
-- The service's own table: the function reads and writes it as its login (0008_login_roles.sql),
-- for no user; nothing a request acts as (diary_app, diary_backfill) may touch it.
GRANT SELECT, INSERT, UPDATE ON erasures TO diary_app_login;
