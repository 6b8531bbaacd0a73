-- +goose Up
-- The risk model: a catalogue of indicators, append-only observations and
-- incidents, scoring runs that derive risk_score from them, API tokens and
-- the audit log of every write. ARCHITECTURE.md explains how they connect.

-- Threat types (DOMAIN.md: "each area has its own threats"). An indicator
-- measures one; a unit's top threats are the ones contributing most to its score.
CREATE TABLE threat (
    code text PRIMARY KEY CHECK (code ~ '^[a-z0-9_]+$'),
    name text NOT NULL CHECK (name <> '')
);

-- Weights of the four IKP dimensions in the composite.
CREATE TABLE dimension (
    code   text PRIMARY KEY CHECK (code IN ('social_political', 'administration', 'contestation', 'participation')),
    name   text NOT NULL,
    seq    smallint NOT NULL UNIQUE,
    weight numeric NOT NULL CHECK (weight >= 0)
);

-- Category thresholds per level: the lowest sedang and tinggi scores.
CREATE TABLE category_threshold (
    level  smallint PRIMARY KEY CHECK (level BETWEEN 1 AND 4),
    sedang numeric(5, 2) NOT NULL CHECK (sedang > 0),
    tinggi numeric(5, 2) NOT NULL CHECK (tinggi > sedang AND tinggi <= 100)
);

-- Types of incident reports; each feeds the indicator that counts it.
CREATE TABLE incident_type (
    code   text PRIMARY KEY CHECK (code ~ '^[a-z0-9_]+$'),
    name   text NOT NULL CHECK (name <> ''),
    threat text NOT NULL REFERENCES threat (code)
);

-- An indicator measures one threat in one dimension, per desa or per TPS.
-- Its raw value is the latest observation (desa indicators), the number of
-- TPS whose latest observation is 1 (TPS indicators), or the number of
-- incidents of its incident type in the phase. per_tps divides that by the
-- desa's TPS count; the result is scaled by min-max over [ref_min, ref_max],
-- capped to 0..1, and flipped when a lower value means more risk.
CREATE TABLE indicator (
    code          text PRIMARY KEY CHECK (code ~ '^[a-z0-9_]+$'),
    name          text NOT NULL CHECK (name <> ''),
    description   text NOT NULL DEFAULT '',
    dimension     text NOT NULL REFERENCES dimension (code),
    threat        text NOT NULL REFERENCES threat (code),
    unit          text NOT NULL CHECK (unit IN ('desa', 'tps')),
    value_type    text NOT NULL CHECK (value_type IN ('binary', 'count', 'rate')),
    direction     smallint NOT NULL DEFAULT 1 CHECK (direction IN (1, -1)),
    normalization text NOT NULL DEFAULT 'none' CHECK (normalization IN ('none', 'per_tps')),
    ref_min       numeric NOT NULL DEFAULT 0,
    ref_max       numeric NOT NULL DEFAULT 1 CHECK (ref_max > ref_min),
    weight        numeric NOT NULL CHECK (weight >= 0),
    incident_type text UNIQUE REFERENCES incident_type (code),
    CHECK (unit = 'desa' OR value_type = 'binary'),
    CHECK (incident_type IS NULL OR (unit = 'desa' AND value_type = 'count'))
);

-- A weight that replaces the indicator's weight in phases with this code.
CREATE TABLE indicator_phase_weight (
    indicator_code text NOT NULL REFERENCES indicator (code) ON DELETE CASCADE,
    phase_code     text NOT NULL CHECK (phase_code ~ '^[a-z0-9_]+$'),
    weight         numeric NOT NULL CHECK (weight >= 0),
    PRIMARY KEY (indicator_code, phase_code)
);

-- Who may call the API: bearer tokens, stored as SHA-256 hashes.
CREATE TABLE api_token (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9_.@-]{1,64}$'),
    role       text NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    hash       bytea NOT NULL UNIQUE CHECK (length(hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL,
    revoked_at timestamptz
);

-- What each write did: who, when, what, and the state before and after.
CREATE TABLE audit_log (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at       timestamptz NOT NULL DEFAULT now(),
    actor    text NOT NULL,
    role     text NOT NULL,
    action   text NOT NULL,
    target   text NOT NULL,
    before   jsonb,
    after    jsonb
);
CREATE INDEX audit_log_at ON audit_log (at);

-- What was observed, never changed: a correction is a newer observation.
CREATE TABLE observation (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    indicator_code text NOT NULL REFERENCES indicator (code),
    unit_code      text NOT NULL REFERENCES admin_unit (code) CHECK (length(unit_code) = 13),
    tps_number     smallint CHECK (tps_number > 0),
    election_code  text NOT NULL,
    phase_code     text NOT NULL,
    value          numeric NOT NULL CHECK (value >= 0),
    source         text NOT NULL CHECK (source IN ('bawaslu', 'polres', 'kpu', 'media', 'demo')),
    observed_at    timestamptz NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    recorded_by    text NOT NULL,
    note           text NOT NULL DEFAULT '',
    FOREIGN KEY (election_code, phase_code) REFERENCES election_phase (election_code, code)
);
CREATE INDEX observation_phase_unit ON observation (election_code, phase_code, unit_code);

-- Point reports of incidents, assigned to the desa containing them and to
-- the election phase of their time.
CREATE TABLE incident (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    type          text NOT NULL REFERENCES incident_type (code),
    occurred_at   timestamptz NOT NULL,
    election_code text NOT NULL,
    phase_code    text NOT NULL,
    unit_code     text NOT NULL REFERENCES admin_unit (code) CHECK (length(unit_code) = 13),
    description   text NOT NULL DEFAULT '',
    source        text NOT NULL CHECK (source IN ('bawaslu', 'polres', 'kpu', 'media', 'demo')),
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    recorded_by   text NOT NULL,
    geom          geometry(Point, 4326) NOT NULL,
    FOREIGN KEY (election_code, phase_code) REFERENCES election_phase (election_code, code)
);
CREATE INDEX incident_phase_unit ON incident (election_code, phase_code, unit_code);
CREATE INDEX incident_occurred_at ON incident (occurred_at);
CREATE INDEX incident_geom ON incident USING gist (geom);

-- Observations and the audit log are append-only.
-- +goose StatementBegin
CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;
-- +goose StatementEnd
CREATE TRIGGER observation_append_only BEFORE UPDATE OR DELETE ON observation
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- One scoring of one election phase: the parameters it used (the catalogue,
-- weights and thresholds at the time) and the last observation and incident
-- it saw, so that its map can be reproduced.
CREATE TABLE scoring_run (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    election_code       text NOT NULL,
    phase_code          text NOT NULL,
    trigger             text NOT NULL CHECK (trigger IN ('full', 'write')),
    status              text NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    params              jsonb,
    last_observation_id bigint,
    last_incident_id    bigint,
    units_scored        integer,
    requested_by        text NOT NULL,
    requested_at        timestamptz NOT NULL DEFAULT now(),
    started_at          timestamptz,
    finished_at         timestamptz,
    error               text,
    FOREIGN KEY (election_code, phase_code) REFERENCES election_phase (election_code, code)
);
CREATE INDEX scoring_run_queued ON scoring_run (id) WHERE status = 'queued';

-- A write rescores every unit above its desa: the provinsi's desa are read back.
CREATE INDEX admin_unit_provinsi_level ON admin_unit (provinsi_code, level);
CREATE INDEX risk_score_provinsi ON risk_score (election_code, phase_code, left(unit_code, 2));

-- Scores now come from scoring runs, with each threat's share of the composite.
DELETE FROM risk_score;
ALTER TABLE risk_score
    ADD COLUMN run_id bigint NOT NULL REFERENCES scoring_run (id),
    ADD COLUMN threats jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN top_threats text[] NOT NULL DEFAULT '{}';

-- +goose Down
ALTER TABLE risk_score DROP COLUMN run_id, DROP COLUMN threats, DROP COLUMN top_threats;
DROP INDEX admin_unit_provinsi_level, risk_score_provinsi;
DROP TABLE scoring_run;
DROP TABLE incident;
DROP TABLE observation;
DROP FUNCTION refuse_change() CASCADE;
DROP TABLE audit_log;
DROP TABLE api_token;
DROP TABLE indicator_phase_weight;
DROP TABLE indicator;
DROP TABLE incident_type;
DROP TABLE category_threshold;
DROP TABLE dimension;
DROP TABLE threat;
