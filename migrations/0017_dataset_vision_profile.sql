-- The trainer a vision dataset is meant for (src/vision/profiles.ts): its examples are validated
-- and exported under that trainer's rules unless a request names another. NULL: the tenant's default.
ALTER TABLE datasets ADD COLUMN vision_profile TEXT;
