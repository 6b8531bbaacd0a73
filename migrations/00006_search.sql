-- +goose Up
-- Search of admin units by name (the start of any word, ignoring case and
-- accents) and by code prefix: GET /search.
CREATE EXTENSION IF NOT EXISTS unaccent;

-- search_fold is a name as search compares it: accents removed, lower case,
-- every run of characters other than letters and digits one space
-- ("Lawe Sigala-Gala" -> "lawe sigala gala", "Citéureup" -> "citeureup").
-- unaccent() is only STABLE (its dictionary could change); the dictionary is
-- named, and bound when this function is created, so its result is fixed.
CREATE FUNCTION search_fold(name text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN btrim(regexp_replace(lower(unaccent('unaccent', name)), '[^a-z0-9]+', ' ', 'g'));

-- One row per admin unit, narrow (no geometry), kept in step with
-- admin_unit by the triggers below.
CREATE TABLE admin_unit_search (
    code  text PRIMARY KEY REFERENCES admin_unit (code) ON DELETE CASCADE ON UPDATE CASCADE,
    level smallint NOT NULL,
    -- search_fold(admin_unit.name)
    name  text NOT NULL,
    -- the name without the kind a kabupaten/kota name starts with ("kota cilegon" -> "cilegon"),
    -- so that "cilegon" is an exact match of Kota Cilegon
    core  text GENERATED ALWAYS AS (CASE WHEN level = 2 THEN regexp_replace(name, '^(kabupaten|kab|kota) ', '') ELSE name END) STORED,
    -- the words of the name with their positions, for prefix and phrase matching ('cil':*)
    words tsvector GENERATED ALWAYS AS (to_tsvector('simple', name)) STORED
);

INSERT INTO admin_unit_search (code, level, name)
SELECT code, level, search_fold(name) FROM admin_unit;

-- Without fastupdate, what an import adds goes straight into the index: a
-- pending list would be scanned whole by every search until a vacuum.
CREATE INDEX admin_unit_search_words ON admin_unit_search USING gin (words) WITH (fastupdate = off);
-- Code prefixes are byte ranges: [prefix, prefix || '~') in the C collation.
CREATE INDEX admin_unit_search_code ON admin_unit_search ((code COLLATE "C"));

-- Statement triggers with transition tables: an import of 83k units runs
-- one INSERT here, not 83k.
-- +goose StatementBegin
CREATE FUNCTION admin_unit_search_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO admin_unit_search (code, level, name)
    SELECT code, level, search_fold(name) FROM new_units;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION admin_unit_search_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE admin_unit_search s SET name = search_fold(n.name)
    FROM new_units n JOIN old_units o ON o.code = n.code
    WHERE s.code = n.code AND n.name IS DISTINCT FROM o.name;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER admin_unit_search_insert AFTER INSERT ON admin_unit
    REFERENCING NEW TABLE AS new_units
    FOR EACH STATEMENT EXECUTE FUNCTION admin_unit_search_insert();
CREATE TRIGGER admin_unit_search_update AFTER UPDATE ON admin_unit
    REFERENCING OLD TABLE AS old_units NEW TABLE AS new_units
    FOR EACH STATEMENT EXECUTE FUNCTION admin_unit_search_update();

-- +goose Down
DROP TRIGGER admin_unit_search_update ON admin_unit;
DROP TRIGGER admin_unit_search_insert ON admin_unit;
DROP FUNCTION admin_unit_search_update();
DROP FUNCTION admin_unit_search_insert();
DROP TABLE admin_unit_search;
DROP FUNCTION search_fold(text);
-- The unaccent extension stays: it may have been there before.
