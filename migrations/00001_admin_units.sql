-- +goose Up
CREATE EXTENSION IF NOT EXISTS postgis;

-- Administrative units of all four levels, keyed by Kemendagri code
-- (36, 36.72, 36.72.01, 36.72.01.1001). Everything derivable from the code
-- (level, parent, codes of the levels above, numeric id) is a generated column.
CREATE TABLE admin_unit (
    code           text PRIMARY KEY
                   CHECK (code ~ '^[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?$'),
    id             bigint GENERATED ALWAYS AS (replace(code, '.', '')::bigint) STORED UNIQUE,
    level          smallint GENERATED ALWAYS AS ((length(code) + 1) / 3) STORED,
    parent_code    text GENERATED ALWAYS AS (CASE WHEN length(code) > 2
                       THEN left(code, length(code) - (CASE WHEN length(code) = 13 THEN 5 ELSE 3 END)) END) STORED
                   REFERENCES admin_unit (code) DEFERRABLE INITIALLY DEFERRED,
    provinsi_code  text GENERATED ALWAYS AS (left(code, 2)) STORED,
    kabupaten_code text GENERATED ALWAYS AS (CASE WHEN length(code) >= 5 THEN left(code, 5) END) STORED,
    kecamatan_code text GENERATED ALWAYS AS (CASE WHEN length(code) >= 8 THEN left(code, 8) END) STORED,
    kind           text NOT NULL
                   CHECK (kind IN ('provinsi', 'kabupaten', 'kota', 'kecamatan', 'desa', 'kelurahan')),
    name           text NOT NULL CHECK (name <> ''),
    tps_count      integer CHECK (tps_count >= 0),
    kpu_code_2024  text,
    area_km2       numeric(12, 3) NOT NULL,
    geom           geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom))
);
CREATE INDEX admin_unit_level_code ON admin_unit (level, code);
CREATE INDEX admin_unit_parent ON admin_unit (parent_code);
CREATE INDEX admin_unit_kabupaten ON admin_unit (kabupaten_code);
CREATE INDEX admin_unit_kecamatan ON admin_unit (kecamatan_code);
CREATE INDEX admin_unit_geom ON admin_unit USING gist (geom);

-- Feature count and extent per level, for /collections; the import refreshes it.
-- Extents are widened to the data's 1e-6 degree grid, so they print as the data does.
CREATE MATERIALIZED VIEW admin_level_summary AS
SELECT level,
       count(*) AS unit_count,
       floor(ST_XMin(ST_Extent(geom))::numeric * 1e6) / 1e6 AS min_lon,
       floor(ST_YMin(ST_Extent(geom))::numeric * 1e6) / 1e6 AS min_lat,
       ceil(ST_XMax(ST_Extent(geom))::numeric * 1e6) / 1e6 AS max_lon,
       ceil(ST_YMax(ST_Extent(geom))::numeric * 1e6) / 1e6 AS max_lat
FROM admin_unit
GROUP BY level;

CREATE TABLE election (
    code       text PRIMARY KEY CHECK (code ~ '^[a-z0-9_-]+$'),
    name       text NOT NULL,
    voting_day date NOT NULL
);

CREATE TABLE election_phase (
    election_code text NOT NULL REFERENCES election (code),
    code          text NOT NULL CHECK (code ~ '^[a-z0-9_]+$'),
    name          text NOT NULL,
    seq           smallint NOT NULL,
    starts_on     date NOT NULL,
    ends_on       date NOT NULL CHECK (ends_on >= starts_on),
    PRIMARY KEY (election_code, code),
    UNIQUE (election_code, seq)
);

-- Risk per unit, election and phase: a composite 0-100 with its category and
-- the four IKP dimension scores. demo marks generated (not observed) scores.
CREATE TABLE risk_score (
    unit_code              text NOT NULL REFERENCES admin_unit (code) ON DELETE CASCADE,
    election_code          text NOT NULL,
    phase_code             text NOT NULL,
    score                  numeric(5, 2) NOT NULL CHECK (score BETWEEN 0 AND 100),
    category               text NOT NULL CHECK (category IN ('rendah', 'sedang', 'tinggi')),
    score_social_political numeric(5, 2) CHECK (score_social_political BETWEEN 0 AND 100),
    score_administration   numeric(5, 2) CHECK (score_administration BETWEEN 0 AND 100),
    score_contestation     numeric(5, 2) CHECK (score_contestation BETWEEN 0 AND 100),
    score_participation    numeric(5, 2) CHECK (score_participation BETWEEN 0 AND 100),
    demo                   boolean NOT NULL,
    PRIMARY KEY (election_code, phase_code, unit_code),
    FOREIGN KEY (election_code, phase_code) REFERENCES election_phase (election_code, code)
);
CREATE INDEX risk_score_unit ON risk_score (unit_code);

-- +goose Down
DROP TABLE risk_score;
DROP TABLE election_phase;
DROP TABLE election;
DROP MATERIALIZED VIEW admin_level_summary;
DROP TABLE admin_unit;
