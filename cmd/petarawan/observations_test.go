package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/petarawan/petarawan/data/datatest"
)

func writeCSV(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "observations.csv")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestImportObservationsIsAllOrNothingAndNamesEveryBadLine(t *testing.T) {
	dbURL := datatest.BantenCopy(t)
	t.Setenv("DATABASE_URL", dbURL)
	conn := datatest.Conn(t, dbURL)
	count := func() (n int) {
		if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM observation`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	const header = "indicator,unit_code,tps,election,phase,value,source,observed_at,note\n"
	good := "riwayat_konflik_massa,36.01.01.2001,,pemilu-2024,kampanye,1,bawaslu,2024-01-20T10:00:00+07:00,\n" +
		"tps_dpt_bermasalah,3601012001,1,pemilu-2024,kampanye,1,kpu,2024-01-21T10:00:00+07:00,DPT ganda\n"
	bad := writeCSV(t, header+good+
		"riwayat_konflik_massa,36.01.01.2001,,pemilu-2024,kampanye,maybe,bawaslu,2024-01-20T10:00:00+07:00,\n"+
		"no_such_indicator,36.01.01.2001,,pemilu-2024,kampanye,1,bawaslu,2024-01-20T10:00:00+07:00,\n"+
		"riwayat_konflik_massa,36.01.01.9999,,pemilu-2024,kampanye,1,bawaslu,2024-01-20T10:00:00+07:00,\n")
	before := count()
	for _, args := range [][]string{{"import", "observations", bad}, {"import", "observations", "--dry-run", bad}} {
		err := run(context.Background(), args)
		if err == nil {
			t.Fatalf("%v: no error", args)
		}
		for _, want := range []string{bad, "3 problems; nothing imported", "line 4, value", "line 5, indicator", "line 6, unit_code"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%v: the error does not mention %q:\n%v", args, want, err)
			}
		}
	}
	if got := count(); got != before {
		t.Fatalf("a refused import wrote %d observations", got-before)
	}
	ok := writeCSV(t, header+good)
	if err := run(context.Background(), []string{"import", "observations", "--dry-run", ok}); err != nil {
		t.Fatal(err)
	}
	if got := count(); got != before {
		t.Fatalf("a dry run wrote %d observations", got-before)
	}
	if err := run(context.Background(), []string{"import", "observations", ok}); err != nil {
		t.Fatal(err)
	}
	if got := count(); got != before+2 {
		t.Errorf("the import wrote %d observations, want 2", got-before)
	}
	if err := run(context.Background(), []string{"import", "observations", filepath.Join(t.TempDir(), "missing.csv")}); err == nil || !strings.Contains(err.Error(), "missing.csv") {
		t.Errorf("a missing file: %v", err)
	}
}

func TestScoreRescoresToTheSameMap(t *testing.T) {
	dbURL := datatest.BantenCopy(t)
	t.Setenv("DATABASE_URL", dbURL)
	conn := datatest.Conn(t, dbURL)
	scores := func() (state string, runs int) {
		err := conn.QueryRow(context.Background(), `
			SELECT md5(string_agg(concat_ws('|', unit_code, phase_code, score, category, score_social_political, score_administration,
			           score_contestation, score_participation, demo, threats, top_threats), ',' ORDER BY unit_code, phase_code)),
			       (SELECT count(*) FROM scoring_run)
			FROM risk_score`).Scan(&state, &runs)
		if err != nil {
			t.Fatal(err)
		}
		return state, runs
	}
	before, runsBefore := scores()
	if err := run(context.Background(), []string{"score"}); err != nil {
		t.Fatal(err)
	}
	after, runsAfter := scores()
	if after != before {
		t.Error("rescoring the same inputs with the same model changed the map")
	}
	if runsAfter != runsBefore+5 {
		t.Errorf("score made %d runs, want 5 (one per phase)", runsAfter-runsBefore)
	}
}
