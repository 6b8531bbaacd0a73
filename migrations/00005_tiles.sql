-- +goose Up
-- Vector tiles: every admin unit's geometry in EPSG:3857, generalised per
-- zoom band, so that a tile query neither transforms nor clips more vertices
-- than its zoom can show; and a data version that changes with every write
-- a tile can show, for ETags and the tile cache.

-- btree_gist lets one GiST index take the band and level with the geometry.
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- A band serves the zooms from its min_zoom to the next band's. Its
-- tolerance (EPSG:3857 metres) is one pixel of a 512-pixel tile, as MapLibre
-- draws them, at the band's highest zoom (78271.517 m / 2^zoom), so that no
-- zoom shows more than a pixel of error. A tile costs most at the lowest zoom
-- of its band, where it covers the most units with the most detail: the
-- bands are single zooms where tiles are heaviest (z8, z9: thousands of desa).
CREATE TABLE tile_band (
    band      smallint PRIMARY KEY CHECK (band >= 0),
    min_zoom  smallint NOT NULL UNIQUE CHECK (min_zoom >= 0),
    tolerance float8 NOT NULL CHECK (tolerance > 0)
);
INSERT INTO tile_band (band, min_zoom, tolerance) VALUES
    (0, 0, 2446),   -- z0-5
    (1, 6, 611),    -- z6-7
    (2, 8, 306),    -- z8
    (3, 9, 153),    -- z9
    (4, 10, 38.2),  -- z10-11
    (5, 12, 1.19);  -- z12 and deeper

-- One row per unit and band; level comes from the code, as in admin_unit.
CREATE TABLE admin_unit_tile (
    band  smallint NOT NULL REFERENCES tile_band (band),
    code  text NOT NULL REFERENCES admin_unit (code) ON DELETE CASCADE,
    level smallint GENERATED ALWAYS AS ((length(code) + 1) / 3) STORED,
    geom  geometry(MultiPolygon, 3857) NOT NULL CHECK (NOT ST_IsEmpty(geom)),
    PRIMARY KEY (band, code)
);
CREATE INDEX admin_unit_tile_geom ON admin_unit_tile USING gist (band, level, geom);
CREATE INDEX admin_unit_tile_code ON admin_unit_tile (code);

-- tile_generalize drops the parts and holes smaller than a square of
-- tolerance side (no pixel shows them; the largest part always stays, so no
-- unit vanishes), simplifies the rest keeping its topology unless that would
-- lose half its area (a unit thinner than the tolerance collapses to a
-- sliver, which the tile's grid then erases), and repairs what the
-- simplification made invalid: a valid, non-empty MultiPolygon.
-- +goose StatementBegin
CREATE FUNCTION tile_generalize(geom geometry, tolerance float8) RETURNS geometry
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    min_area CONSTANT float8 := tolerance * tolerance;
    kept geometry := geom;
    simplified geometry;
BEGIN
    IF ST_NRings(geom) > 1 THEN -- most desa are one ring: nothing to drop
        SELECT ST_Collect(ST_MakePolygon(ST_ExteriorRing(p.geom), ARRAY(
                   SELECT ST_ExteriorRing(r.geom) FROM ST_DumpRings(p.geom) r
                   WHERE r.path[1] > 0 AND ST_Area(r.geom) >= min_area)))
        INTO kept
        FROM (SELECT d.geom, row_number() OVER (ORDER BY ST_Area(d.geom) DESC) AS rank FROM ST_Dump(geom) d) p
        WHERE p.rank = 1 OR ST_Area(p.geom) >= min_area;
    END IF;
    simplified := ST_SimplifyPreserveTopology(kept, tolerance);
    IF ST_Area(simplified) >= 0.5 * ST_Area(kept) THEN
        kept := simplified;
    END IF;
    IF NOT ST_IsValid(kept) THEN
        kept := ST_CollectionExtract(ST_MakeValid(kept, 'method=structure'), 3);
    END IF;
    IF ST_IsEmpty(kept) THEN
        RETURN ST_Multi(geom);
    END IF;
    RETURN ST_Multi(kept);
END $$;
-- +goose StatementEnd

-- refresh_admin_unit_tile rebuilds the tile geometry of the units listed
-- (NULL: all): the finest band from the stored geometry, each coarser band
-- from the band below it, which has fewer vertices to simplify.
-- +goose StatementBegin
CREATE FUNCTION refresh_admin_unit_tile(codes text[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    b tile_band;
BEGIN
    DELETE FROM admin_unit_tile t WHERE codes IS NULL OR t.code = ANY (codes);
    FOR b IN SELECT * FROM tile_band ORDER BY band DESC LOOP
        IF b.band = (SELECT max(band) FROM tile_band) THEN
            INSERT INTO admin_unit_tile (band, code, geom)
            SELECT b.band, u.code, tile_generalize(ST_Transform(u.geom, 3857), b.tolerance)
            FROM admin_unit u WHERE codes IS NULL OR u.code = ANY (codes);
        ELSE
            INSERT INTO admin_unit_tile (band, code, geom)
            SELECT b.band, t.code, tile_generalize(t.geom, b.tolerance)
            FROM admin_unit_tile t WHERE t.band = b.band + 1 AND (codes IS NULL OR t.code = ANY (codes));
        END IF;
    END LOOP;
END $$;
-- +goose StatementEnd

-- About 3 minutes for all of Indonesia: beyond the pool's statement timeout.
SET LOCAL statement_timeout = 0;
SELECT refresh_admin_unit_tile(NULL);

-- The data version changes once in every transaction that writes scores,
-- incidents or units: at its commit (the triggers are deferred), so that the
-- row lock is held for an instant and taken after every other lock of the
-- transaction, and readers see the new version together with the new data.
CREATE TABLE data_version (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version   bigint NOT NULL
);
INSERT INTO data_version (version) VALUES (1);

-- +goose StatementBegin
CREATE FUNCTION bump_data_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('petarawan.data_version_bumped', true) IS DISTINCT FROM 'on' THEN
        UPDATE data_version SET version = version + 1;
        PERFORM set_config('petarawan.data_version_bumped', 'on', true);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE CONSTRAINT TRIGGER risk_score_data_version AFTER INSERT OR UPDATE OR DELETE ON risk_score
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version();
CREATE CONSTRAINT TRIGGER incident_data_version AFTER INSERT OR UPDATE OR DELETE ON incident
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version();
CREATE CONSTRAINT TRIGGER admin_unit_data_version AFTER INSERT OR UPDATE OR DELETE ON admin_unit
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version();

-- +goose Down
DROP TRIGGER admin_unit_data_version ON admin_unit;
DROP TRIGGER incident_data_version ON incident;
DROP TRIGGER risk_score_data_version ON risk_score;
DROP FUNCTION bump_data_version();
DROP TABLE data_version;
DROP FUNCTION refresh_admin_unit_tile(text[]);
DROP FUNCTION tile_generalize(geometry, float8);
DROP TABLE admin_unit_tile;
DROP TABLE tile_band;
