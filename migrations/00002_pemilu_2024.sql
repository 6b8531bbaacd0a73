-- +goose Up
-- Pemilu 2024 and its phases (KPU schedule; DOMAIN.md).
INSERT INTO election (code, name, voting_day) VALUES ('pemilu-2024', 'Pemilu 2024', '2024-02-14');
INSERT INTO election_phase (election_code, code, name, seq, starts_on, ends_on) VALUES
    ('pemilu-2024', 'kampanye',         'Kampanye',         1, '2023-11-28', '2024-02-10'),
    ('pemilu-2024', 'masa_tenang',      'Masa tenang',      2, '2024-02-11', '2024-02-13'),
    ('pemilu-2024', 'pemungutan_suara', 'Pemungutan suara', 3, '2024-02-14', '2024-02-14'),
    ('pemilu-2024', 'penghitungan',     'Penghitungan',     4, '2024-02-14', '2024-02-15'),
    ('pemilu-2024', 'rekapitulasi',     'Rekapitulasi',     5, '2024-02-15', '2024-03-20');

-- +goose Down
DELETE FROM election_phase WHERE election_code = 'pemilu-2024';
DELETE FROM election WHERE code = 'pemilu-2024';
