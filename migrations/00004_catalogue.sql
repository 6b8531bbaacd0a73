-- +goose Up
-- The shipped catalogue, modelled on Bawaslu's IKP 2024 dimensions, its TPS
-- rawan variables (Feb 2024) and the threats police name in Banten (DOMAIN.md).
-- Admins change weights and thresholds through the API; every change is audited.

INSERT INTO threat (code, name) VALUES
    ('bentrok_pendukung', 'Bentrokan antarpendukung'),
    ('konflik_massa',     'Konflik antarkelompok massa'),
    ('politik_uang',      'Politik uang'),
    ('intimidasi',        'Intimidasi dan kekerasan'),
    ('ujaran_kebencian',  'Ujaran kebencian dan SARA'),
    ('netralitas',        'Netralitas ASN, TNI/Polri dan kepala desa'),
    ('daftar_pemilih',    'Masalah daftar pemilih'),
    ('logistik',          'Logistik pemilu'),
    ('lokasi',            'Lokasi sulit dijangkau atau rawan bencana'),
    ('listrik_internet',  'Listrik dan internet'),
    ('penyelenggara',     'Pelanggaran penyelenggara'),
    ('partisipasi',       'Partisipasi pemilih rendah'),
    ('protes_hasil',      'Protes atas hasil');

-- Bawaslu does not publish its dimension weights in a reusable form: equal by default.
INSERT INTO dimension (code, name, seq, weight) VALUES
    ('social_political', 'Konteks sosial-politik', 1, 1),
    ('administration',   'Penyelenggaraan pemilu', 2, 1),
    ('contestation',     'Kontestasi',             3, 1),
    ('participation',    'Partisipasi',            4, 1);

-- IKP 2024 for provinsi and kabupaten/kota; Bawaslu publishes none below, so
-- kecamatan and desa start with the kabupaten/kota thresholds.
INSERT INTO category_threshold (level, sedang, tinggi) VALUES
    (1, 21.70, 68.50),
    (2, 13.47, 49.33),
    (3, 13.47, 49.33),
    (4, 13.47, 49.33);

INSERT INTO incident_type (code, name, threat) VALUES
    ('bentrok_pendukung', 'Bentrokan antarpendukung',           'bentrok_pendukung'),
    ('konflik_massa',     'Konflik antarkelompok massa',        'konflik_massa'),
    ('politik_uang',      'Politik uang',                       'politik_uang'),
    ('perusakan_apk',     'Perusakan alat peraga kampanye',     'bentrok_pendukung'),
    ('intimidasi',        'Intimidasi terhadap pemilih atau penyelenggara', 'intimidasi'),
    ('unjuk_rasa',        'Unjuk rasa terkait hasil pemilu',    'protes_hasil'),
    ('gangguan_tps',      'Gangguan di TPS',                    'penyelenggara');

INSERT INTO indicator (code, name, description, dimension, threat, unit, value_type, direction, normalization, ref_min, ref_max, weight, incident_type) VALUES
    -- Konteks sosial-politik
    ('riwayat_konflik_massa', 'Riwayat konflik antarkelompok massa', 'Pernah terjadi konflik antarkelompok massa di desa dalam 5 tahun terakhir (1 = ya).',
        'social_political', 'konflik_massa', 'desa', 'binary', 1, 'none', 0, 1, 3, NULL),
    ('riwayat_kekerasan_pemilu', 'Riwayat kekerasan pemilu', 'Pernah terjadi kekerasan atau intimidasi terkait pemilu di desa (1 = ya).',
        'social_political', 'intimidasi', 'desa', 'binary', 1, 'none', 0, 1, 3, NULL),
    ('ujaran_kebencian', 'Ujaran kebencian dan SARA', 'Jumlah kasus ujaran kebencian atau isu SARA yang tercatat di desa.',
        'social_political', 'ujaran_kebencian', 'desa', 'count', 1, 'none', 0, 5, 2, NULL),
    ('rawan_bencana', 'Desa rawan bencana', 'Desa berada di kawasan rawan banjir, longsor atau bencana lain (1 = ya).',
        'social_political', 'lokasi', 'desa', 'binary', 1, 'none', 0, 1, 1, NULL),
    ('insiden_konflik_massa', 'Insiden konflik antarkelompok massa', 'Jumlah insiden konflik massa yang dilaporkan pada tahapan ini.',
        'social_political', 'konflik_massa', 'desa', 'count', 1, 'none', 0, 3, 3, 'konflik_massa'),
    ('insiden_unjuk_rasa', 'Insiden unjuk rasa', 'Jumlah unjuk rasa terkait hasil pemilu pada tahapan ini.',
        'social_political', 'protes_hasil', 'desa', 'count', 1, 'none', 0, 3, 2, 'unjuk_rasa'),
    -- Penyelenggaraan
    ('tps_dpt_bermasalah', 'TPS dengan DPT bermasalah', 'Ada pemilih tidak memenuhi syarat di DPT, atau pemilih memenuhi syarat yang tidak terdaftar (DPT/DPTb/DPK).',
        'administration', 'daftar_pemilih', 'tps', 'binary', 1, 'per_tps', 0, 0.5, 3, NULL),
    ('tps_kendala_logistik', 'TPS dengan kendala logistik', 'Logistik terlambat, kurang atau rusak (surat suara, kotak suara).',
        'administration', 'logistik', 'tps', 'binary', 1, 'per_tps', 0, 0.5, 2, NULL),
    ('tps_sulit_dijangkau', 'TPS sulit dijangkau', 'TPS di lokasi sulit dijangkau atau rawan bencana.',
        'administration', 'lokasi', 'tps', 'binary', 1, 'per_tps', 0, 0.5, 2, NULL),
    ('tps_listrik_internet', 'TPS tanpa listrik atau internet', 'TPS tanpa aliran listrik atau jaringan internet.',
        'administration', 'listrik_internet', 'tps', 'binary', 1, 'per_tps', 0, 0.5, 1, NULL),
    ('pelanggaran_penyelenggara', 'Pelanggaran penyelenggara ad hoc', 'Jumlah pelanggaran oleh KPPS, PPS atau PPK yang tercatat.',
        'administration', 'penyelenggara', 'desa', 'count', 1, 'none', 0, 3, 2, NULL),
    ('insiden_gangguan_tps', 'Insiden gangguan di TPS', 'Jumlah gangguan di TPS yang dilaporkan pada tahapan ini, per TPS.',
        'administration', 'penyelenggara', 'desa', 'count', 1, 'per_tps', 0, 0.2, 2, 'gangguan_tps'),
    -- Kontestasi
    ('insiden_bentrok_pendukung', 'Insiden bentrokan antarpendukung', 'Jumlah bentrokan antarpendukung yang dilaporkan pada tahapan ini.',
        'contestation', 'bentrok_pendukung', 'desa', 'count', 1, 'none', 0, 3, 3, 'bentrok_pendukung'),
    ('insiden_perusakan_apk', 'Insiden perusakan APK', 'Jumlah perusakan alat peraga kampanye yang dilaporkan pada tahapan ini.',
        'contestation', 'bentrok_pendukung', 'desa', 'count', 1, 'none', 0, 5, 1, 'perusakan_apk'),
    ('tps_dekat_posko', 'TPS dekat posko peserta pemilu', 'TPS dekat posko atau rumah tim sukses peserta pemilu.',
        'contestation', 'bentrok_pendukung', 'tps', 'binary', 1, 'per_tps', 0, 0.5, 1, NULL),
    ('kampanye_sara', 'Kampanye bermuatan SARA', 'Jumlah kampanye bermuatan SARA atau ujaran kebencian yang tercatat.',
        'contestation', 'ujaran_kebencian', 'desa', 'count', 1, 'none', 0, 3, 2, NULL),
    ('kades_tidak_netral', 'Kepala desa tidak netral', 'Kepala desa atau perangkat desa terlibat mendukung peserta pemilu (1 = ya).',
        'contestation', 'netralitas', 'desa', 'binary', 1, 'none', 0, 1, 2, NULL),
    ('asn_tidak_netral', 'ASN, TNI atau Polri tidak netral', 'Ada laporan ketidaknetralan ASN, TNI atau Polri di desa (1 = ya).',
        'contestation', 'netralitas', 'desa', 'binary', 1, 'none', 0, 1, 2, NULL),
    -- Partisipasi
    ('insiden_politik_uang', 'Insiden politik uang', 'Jumlah dugaan politik uang yang dilaporkan pada tahapan ini.',
        'participation', 'politik_uang', 'desa', 'count', 1, 'none', 0, 3, 3, 'politik_uang'),
    ('tps_riwayat_politik_uang', 'TPS dengan riwayat politik uang', 'Pernah ada politik uang di sekitar TPS.',
        'participation', 'politik_uang', 'tps', 'binary', 1, 'per_tps', 0, 0.5, 2, NULL),
    ('tps_intimidasi_pemilih', 'TPS dengan intimidasi pemilih', 'Ada intimidasi terhadap pemilih di sekitar TPS.',
        'participation', 'intimidasi', 'tps', 'binary', 1, 'per_tps', 0, 0.5, 2, NULL),
    ('insiden_intimidasi', 'Insiden intimidasi', 'Jumlah intimidasi terhadap pemilih atau penyelenggara yang dilaporkan pada tahapan ini.',
        'participation', 'intimidasi', 'desa', 'count', 1, 'none', 0, 3, 2, 'intimidasi'),
    ('partisipasi_pemilu_lalu', 'Partisipasi pemilih pemilu sebelumnya', 'Tingkat partisipasi pemilih pada pemilu sebelumnya (0-1); makin rendah makin rawan.',
        'participation', 'partisipasi', 'desa', 'rate', -1, 'none', 0.6, 0.9, 2, NULL);

-- Threats peak in different phases (DOMAIN.md): clashes in kampanye, money
-- politics in masa tenang, protests in rekapitulasi.
INSERT INTO indicator_phase_weight (indicator_code, phase_code, weight) VALUES
    ('insiden_bentrok_pendukung', 'kampanye', 5),
    ('insiden_perusakan_apk', 'kampanye', 2),
    ('kampanye_sara', 'kampanye', 3),
    ('insiden_politik_uang', 'masa_tenang', 5),
    ('tps_riwayat_politik_uang', 'masa_tenang', 3),
    ('insiden_gangguan_tps', 'pemungutan_suara', 4),
    ('insiden_gangguan_tps', 'penghitungan', 4),
    ('insiden_unjuk_rasa', 'rekapitulasi', 4);

-- +goose Down
DELETE FROM indicator_phase_weight;
DELETE FROM indicator;
DELETE FROM incident_type;
DELETE FROM category_threshold;
DELETE FROM dimension;
DELETE FROM threat;
