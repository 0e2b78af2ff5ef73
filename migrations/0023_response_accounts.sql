-- Which provider account answered each recorded response: a response id means something only on
-- the account that made it. `provider` is the tenant's registered provider (by name) when one
-- answered; `base_url` the API that answered when it was neither a registered provider nor the
-- gateway's upstream (a tenant's fine-tuning API serving its `ft:` models); both NULL for the
-- gateway's upstream. Reads, deletes, cancels, input items and `previous_response_id` go back to
-- that account only, so an id a tenant's own provider answered never reads the shared account.
-- Rows recorded before this migration cannot be told apart and stay the gateway's upstream's.
ALTER TABLE responses ADD COLUMN provider TEXT;
ALTER TABLE responses ADD COLUMN base_url TEXT;
