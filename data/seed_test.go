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
	report, err := store.SeedDemo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if report.Observations == 0 || report.Incidents == 0 {
		t.Fatalf("seeding wrote %d observations and %d incidents, want some of each", report.Observations, report.Incidents)
	}
	if len(report.Runs) != 5 {
		t.Errorf("seeding made %d scoring runs, want one per phase of Pemilu 2024 (5)", len(report.Runs))
	}
	conn := datatest.Conn(t, dbURL)
	// 1,716 units (1,552 + 155 + 8 + 1) x 5 phases of Pemilu 2024.
	if got := queryInt(t, conn, `SELECT count(*) FROM risk_score WHERE demo`); got != 1716*5 {
		t.Errorf("%d scores are marked demo, want all %d", got, 1716*5)
	}
	if got := queryInt(t, conn, `SELECT count(*) FROM observation WHERE source <> 'demo'`) +
		queryInt(t, conn, `SELECT count(*) FROM incident WHERE source <> 'demo'`); got != 0 {
		t.Errorf("%d demo inputs are not marked as demo", got)
	}
	// Every demo incident lies in the desa it is assigned to.
	if got := queryInt(t, conn, `SELECT count(*) FROM incident i JOIN admin_unit u ON u.code = i.unit_code WHERE NOT ST_Covers(u.geom, i.geom)`); got != 0 {
		t.Errorf("%d demo incidents lie outside their desa", got)
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
	// Plausible shares, like real maps: mostly rendah, a few tinggi.
	for _, phase := range []string{"kampanye", "masa_tenang", "pemungutan_suara", "penghitungan", "rekapitulasi"} {
		rendah := queryInt(t, conn, `SELECT count(*) FROM risk_score WHERE phase_code = $1 AND length(unit_code) = 13 AND category = 'rendah'`, phase)
		tinggi := queryInt(t, conn, `SELECT count(*) FROM risk_score WHERE phase_code = $1 AND length(unit_code) = 13 AND category = 'tinggi'`, phase)
		t.Logf("%s: %d rendah, %d sedang, %d tinggi of 1552 desa", phase, rendah, 1552-rendah-tinggi, tinggi)
		if rendah < 1552*60/100 || tinggi < 1552/200 || tinggi > 1552/10 {
			t.Errorf("%s: %d rendah and %d tinggi of 1552 desa; want at least 60 %% rendah and 0.5-10 %% tinggi", phase, rendah, tinggi)
		}
	}
}

func TestSeedDemoIsDeterministicAndWritesInputsOnce(t *testing.T) {
	ctx := context.Background()
	var states [2]string
	for i := range states {
		dbURL := datatest.NewDatabase(t)
		store := datatest.Open(t, dbURL)
		datatest.ImportBanten(t, store)
		if _, err := store.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
		states[i] = databaseState(t, datatest.Conn(t, dbURL))
		if i == 1 {
			conn := datatest.Conn(t, dbURL)
			before := queryInt(t, conn, `SELECT count(*) FROM observation`)
			report, err := store.SeedDemo(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if after := queryInt(t, conn, `SELECT count(*) FROM observation`); after != before || report.Observations != 0 {
				t.Errorf("seeding again wrote observations: %d before, %d after", before, after)
			}
			if got := databaseState(t, conn); got != states[0] {
				t.Error("seeding again changed the scores")
			}
		}
	}
	if states[0] != states[1] {
		t.Error("two databases seeded from the same boundaries hold different scores")
	}
}
