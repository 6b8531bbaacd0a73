-- +goose Up
-- Least privilege for the server (issue 6): its read pool runs as
-- petarawan_reader, which can only read, and its write pool as
-- petarawan_writer, which can change rows but owns nothing, so it cannot
-- drop, alter or truncate a table. The role that migrates (the DATABASE_URL
-- user) keeps ownership and runs imports, H3 recomputes and migrations.
-- Roles belong to the whole cluster: another database may have made them.
-- +goose StatementBegin
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['petarawan_reader', 'petarawan_writer'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', r);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL; -- made meanwhile by a migration of another database
            END;
        END IF;
    END LOOP;
END $$;
-- +goose StatementEnd
-- The server connects as the migrating user and takes these roles at once.
GRANT petarawan_reader, petarawan_writer TO CURRENT_USER;

GRANT USAGE ON SCHEMA public TO petarawan_reader, petarawan_writer;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO petarawan_reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO petarawan_writer;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO petarawan_writer;
-- PostGIS's own table, the migration history and the append-only tables are
-- not the writer's to change.
REVOKE INSERT, UPDATE, DELETE ON spatial_ref_sys, goose_db_version FROM petarawan_writer;
REVOKE UPDATE, DELETE ON observation, audit_log FROM petarawan_writer;
-- Tables of later migrations get the same grants.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO petarawan_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO petarawan_writer;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO petarawan_writer;

-- +goose Down
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM petarawan_writer;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM petarawan_writer;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT ON TABLES FROM petarawan_reader;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM petarawan_writer;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM petarawan_reader, petarawan_writer;
REVOKE USAGE ON SCHEMA public FROM petarawan_reader, petarawan_writer;
