-- Provider objects each tenant owns (files, fine-tuning jobs, fine-tuned models) become the source of
-- the tenant's lists: the gateway keeps the object as last seen, where it lives, and what lists filter
-- and sort on, so no list is ever built from the shared provider account's own list.
ALTER TABLE upstream_objects ADD COLUMN body TEXT;
ALTER TABLE upstream_objects ADD COLUMN base_url TEXT;
ALTER TABLE upstream_objects ADD COLUMN purpose TEXT;
ALTER TABLE upstream_objects ADD COLUMN status TEXT;
ALTER TABLE upstream_objects ADD COLUMN expires_at INTEGER;
CREATE INDEX upstream_objects_list ON upstream_objects (tenant_id, kind, created_at, object_id);
-- Who owns an object, whatever the tenant (the webhook and the cron know only the id).
CREATE INDEX upstream_objects_object ON upstream_objects (object_id, kind);
