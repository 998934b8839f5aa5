-- A day's counts of model work (model_usage, 0012) matter only while that day can still be limited;
-- GET /me/usage shows today's. The worker's hourly sweep (handler.logic.retention), acting as
-- diary_retention (0009), deletes the days before the day before yesterday (a margin for every
-- time zone), and nothing else of the table: it sees only those rows, and only their day.
GRANT SELECT (day), DELETE ON model_usage TO diary_retention;
DROP POLICY IF EXISTS retention_sweep ON model_usage;
CREATE POLICY retention_sweep ON model_usage TO diary_retention USING (day < current_date - 2);
