-- What the model writing a diary or a report was not shown, to keep its prompt within its token
-- budget (handler/logic/prompt_fit.py): {"omitted_records", "truncated_records", "omitted_diaries",
-- "truncated_diaries"}. NULL for what was written before budgets: read as nothing left out.
ALTER TABLE diaries ADD COLUMN IF NOT EXISTS left_out jsonb;
ALTER TABLE reports ADD COLUMN IF NOT EXISTS left_out jsonb;
