package data_test

import (
	"context"
	"testing"

	"github.com/petarawan/petarawan/data/datatest"
)

func TestSeedDemoScoresEveryUnitInEveryPhaseAsDemo(t *testing.T) {
	dbURL := datatest.NewDatabase(t)
	store := datatest.Open(t, dbURL)
	datatest.ImportBanten(t, store)
	n, err := store.SeedDemo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// 1,716 units (1,552 + 155 + 8 + 1) x 5 phases of Pemilu 2024.
	if n != 1716*5 {
		t.Errorf("wrote %d scores, want %d", n, 1716*5)
	}
	conn := connect(t, dbURL)
	if got := queryInt(t, conn, `SELECT count(*) FROM risk_score WHERE demo`); got != 1716*5 {
		t.Errorf("%d scores are marked demo, want all %d", got, 1716*5)
	}
	// Categories by the IKP thresholds: provinsi 21.7 / 68.5, every other level 13.47 / 49.33.
	if got := queryInt(t, conn, `
		SELECT count(*) FROM risk_score r JOIN admin_unit u ON u.code = r.unit_code
		WHERE r.category <> CASE
			WHEN u.level = 1 THEN CASE WHEN r.score >= 68.5 THEN 'tinggi' WHEN r.score >= 21.7 THEN 'sedang' ELSE 'rendah' END
			ELSE CASE WHEN r.score >= 49.33 THEN 'tinggi' WHEN r.score >= 13.47 THEN 'sedang' ELSE 'rendah' END END`); got != 0 {
		t.Errorf("%d scores have a category that does not fit their level's thresholds", got)
	}
	// Upper levels are the TPS-weighted mean of their desa.
	if got := queryInt(t, conn, `
		SELECT count(*) FROM risk_score up JOIN admin_unit u ON u.code = up.unit_code AND u.level < 4
		JOIN LATERAL (
			SELECT sum(d.score * du.tps_count) / sum(du.tps_count) AS mean
			FROM risk_score d JOIN admin_unit du ON du.code = d.unit_code AND du.level = 4
			WHERE d.election_code = up.election_code AND d.phase_code = up.phase_code
			  AND left(du.code, length(u.code) + 1) = u.code || '.'
		) m ON true
		WHERE abs(up.score - m.mean) > 0.005 + 0.0001`); got != 0 {
		t.Errorf("%d upper-level scores differ from the TPS-weighted mean of their desa", got)
	}
	// Phases differ: the same desa does not score the same across all five.
	if got := queryInt(t, conn, `SELECT count(DISTINCT score) FROM risk_score WHERE unit_code = '36.01.01.2001'`); got < 2 {
		t.Error("desa 36.01.01.2001 scores the same in every phase")
	}
}

func TestSeedDemoIsDeterministicAndKeepsRealScores(t *testing.T) {
	dbURL := datatest.NewDatabase(t)
	store := datatest.Open(t, dbURL)
	datatest.ImportBanten(t, store)
	ctx := context.Background()
	if _, err := store.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	conn := connect(t, dbURL)
	// An assessed (non-demo) score for one desa.
	if _, err := conn.Exec(ctx, `UPDATE risk_score SET score = 88.8, category = 'tinggi', demo = false
		WHERE unit_code = '36.72.01.1001' AND phase_code = 'kampanye'`); err != nil {
		t.Fatal(err)
	}
	before := databaseState(t, conn)
	if _, err := store.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	if after := databaseState(t, conn); after != before {
		t.Error("seeding again changed the scores (or overwrote the assessed one)")
	}
	if got := queryInt(t, conn, `SELECT count(*) FROM risk_score WHERE unit_code = '36.72.01.1001' AND phase_code = 'kampanye' AND NOT demo AND score = 88.8`); got != 1 {
		t.Error("the assessed score was overwritten by demo data")
	}
}
