-- What a transaction acts for (the caller, the statement timeout, the role row-level security
-- applies to), set by one function call instead of set_config in the query text.
--
-- RDS Proxy pins a client connection to one database connection for the rest of its session when
-- it sees "SET commands" or "set_config" in what the client sends, and it does not look inside
-- functions: "Calling stored procedures and stored functions doesn't cause pinning. RDS Proxy
-- doesn't detect any session state changes resulting from such calls." (Amazon RDS User Guide,
-- "Avoiding pinning an RDS Proxy", https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-pinning.html).
-- The settings are transaction-local (set_config(..., true)), so nothing survives the
-- transaction for the proxy to carry to another client, which is what makes that safe.
--
-- SECURITY INVOKER, and no SET clause: a function's own SET clause would undo these settings when
-- it returns. The calls are schema-qualified so that no search_path can redirect them.
CREATE OR REPLACE FUNCTION diary_act_for(user_id text, statement_timeout text, act_as text)
RETURNS void
LANGUAGE sql
SECURITY INVOKER
AS $$
    SELECT pg_catalog.set_config('app.user_id', user_id, true),
           pg_catalog.set_config('statement_timeout', statement_timeout, true),
           pg_catalog.set_config('role', act_as, true);
$$;
