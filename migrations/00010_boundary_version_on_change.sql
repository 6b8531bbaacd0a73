-- +goose Up
-- 00007 bumped boundary_version on every statement that could reshape admin
-- units, even one that changed no geometry: a re-import, or one that only
-- corrected TPS counts, made the H3 cells stale for nothing. These triggers
-- look at the rows the statement touched (transition tables, one trigger
-- per event as PostgreSQL requires) and bump only when a unit came, went or
-- changed shape.
DROP TRIGGER admin_unit_boundary_version ON admin_unit;

-- +goose StatementBegin
CREATE FUNCTION bump_boundary_version_on_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed boolean;
BEGIN
    -- One query per event: each trigger has only its own transition tables.
    IF TG_OP = 'INSERT' THEN
        changed := EXISTS (SELECT FROM new_unit);
    ELSIF TG_OP = 'DELETE' THEN
        changed := EXISTS (SELECT FROM old_unit);
    ELSE
        changed := EXISTS (SELECT FROM old_unit o JOIN new_unit n USING (code)
                           WHERE ST_AsBinary(o.geom) IS DISTINCT FROM ST_AsBinary(n.geom));
    END IF;
    IF changed THEN
        UPDATE boundary_version SET version = version + 1;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER admin_unit_boundary_version_insert AFTER INSERT ON admin_unit
    REFERENCING NEW TABLE AS new_unit FOR EACH STATEMENT EXECUTE FUNCTION bump_boundary_version_on_change();
CREATE TRIGGER admin_unit_boundary_version_delete AFTER DELETE ON admin_unit
    REFERENCING OLD TABLE AS old_unit FOR EACH STATEMENT EXECUTE FUNCTION bump_boundary_version_on_change();
CREATE TRIGGER admin_unit_boundary_version_update AFTER UPDATE ON admin_unit
    REFERENCING OLD TABLE AS old_unit NEW TABLE AS new_unit FOR EACH STATEMENT EXECUTE FUNCTION bump_boundary_version_on_change();

-- +goose Down
DROP TRIGGER admin_unit_boundary_version_update ON admin_unit;
DROP TRIGGER admin_unit_boundary_version_delete ON admin_unit;
DROP TRIGGER admin_unit_boundary_version_insert ON admin_unit;
DROP FUNCTION bump_boundary_version_on_change();
CREATE TRIGGER admin_unit_boundary_version AFTER INSERT OR DELETE OR UPDATE OF geom ON admin_unit
    FOR EACH STATEMENT EXECUTE FUNCTION bump_boundary_version();
