-- +goose Up
-- A token may be limited to a jurisdiction: admin codes of any level (a
-- Polres's kabupaten, or an explicit list of desa where police and admin
-- boundaries differ). NULL: everywhere. Editors write only inside it;
-- with scoped_reads, the token also reads only inside it.
ALTER TABLE api_token
    ADD COLUMN jurisdiction text[] CHECK (cardinality(jurisdiction) > 0),
    ADD COLUMN scoped_reads boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT api_token_scoped_reads_need_jurisdiction CHECK (NOT scoped_reads OR jurisdiction IS NOT NULL);

-- +goose Down
ALTER TABLE api_token DROP COLUMN scoped_reads, DROP COLUMN jurisdiction;
