-- +goose Up
-- The version of the boundaries: bumped by every statement that adds, removes
-- or reshapes admin units. What is derived from the geometry (H3 overlaps, the
-- desa neighbours of the hotspot statistics) records or caches the version it
-- was computed at.
CREATE TABLE boundary_version (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version   bigint NOT NULL
);
INSERT INTO boundary_version (version) VALUES (1);

-- +goose StatementBegin
CREATE FUNCTION bump_boundary_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE boundary_version SET version = version + 1;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER admin_unit_boundary_version AFTER INSERT OR DELETE OR UPDATE OF geom ON admin_unit
    FOR EACH STATEMENT EXECUTE FUNCTION bump_boundary_version();

-- H3 cells (resolutions 5-9) that overlap at least one desa, with their
-- hexagon, area (H3's own, on the sphere) and how much of it the desa
-- cover. cell is the H3 index as a signed bigint (its top bit
-- is always 0).
CREATE TABLE h3_cell (
    res              smallint NOT NULL CHECK (res BETWEEN 0 AND 15),
    cell             bigint NOT NULL,
    area_m2          float8 NOT NULL CHECK (area_m2 > 0),
    covered_fraction float8 NOT NULL CHECK (covered_fraction > 0 AND covered_fraction <= 1),
    desa_count       integer NOT NULL CHECK (desa_count > 0),
    geom             geometry(Polygon, 4326) NOT NULL,
    geom_3857        geometry(Polygon, 3857) NOT NULL,
    PRIMARY KEY (res, cell)
);
CREATE INDEX h3_cell_geom ON h3_cell USING gist (res, geom);
CREATE INDEX h3_cell_geom_3857 ON h3_cell USING gist (res, geom_3857);

-- Each desa's overlap with each cell it meets: desa_share is the overlap as
-- a share of the desa (its shares at one resolution sum to 1), which spreads
-- its TPS over its cells. This table and h3_score are derived, written only
-- by petarawan with h3_cell in one transaction: no foreign keys, whose checks
-- would cost more than the rest of a recompute.
CREATE TABLE h3_desa (
    res        smallint NOT NULL,
    cell       bigint NOT NULL,
    desa_code  text NOT NULL,
    overlap_m2 float8 NOT NULL CHECK (overlap_m2 > 0),
    desa_share float8 NOT NULL CHECK (desa_share > 0 AND desa_share <= 1),
    PRIMARY KEY (res, cell, desa_code)
);
CREATE INDEX h3_desa_desa ON h3_desa (desa_code, res);

-- Each cell's scores in an election phase, from the scores of the desa it
-- overlaps: the mean weighted by overlap area, the mean weighted by TPS (a
-- desa's TPS spread over its cells by area), the highest, and the desa per
-- category. Kept current by every scoring run, in its transaction. A cell's
-- own category is read with the current desa thresholds, not stored.
CREATE TABLE h3_score (
    election_code text NOT NULL,
    phase_code    text NOT NULL,
    res           smallint NOT NULL,
    cell          bigint NOT NULL,
    score         numeric(5, 2) NOT NULL CHECK (score BETWEEN 0 AND 100),
    score_tps     numeric(5, 2) CHECK (score_tps BETWEEN 0 AND 100),
    score_max     numeric(5, 2) NOT NULL CHECK (score_max BETWEEN 0 AND 100),
    tps           numeric(10, 2) NOT NULL,
    rendah        integer NOT NULL,
    sedang        integer NOT NULL,
    tinggi        integer NOT NULL,
    demo          boolean NOT NULL,
    PRIMARY KEY (election_code, phase_code, res, cell)
);

-- When the H3 tables were last computed in full, and for which boundaries.
CREATE TABLE h3_state (
    singleton        boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    boundary_version bigint NOT NULL,
    resolutions      smallint[] NOT NULL,
    computed_at      timestamptz NOT NULL
);

-- +goose Down
DROP TABLE h3_state;
DROP TABLE h3_score;
DROP TABLE h3_desa;
DROP TABLE h3_cell;
DROP TRIGGER admin_unit_boundary_version ON admin_unit;
DROP FUNCTION bump_boundary_version();
DROP TABLE boundary_version;
