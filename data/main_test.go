package data_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/petarawan/petarawan/data/datatest"
)

func TestMain(m *testing.M) { datatest.Main(m) }

// databaseState is a fingerprint of everything an import or seed may change.
func databaseState(t *testing.T, conn *pgx.Conn) string {
	t.Helper()
	var state string
	err := conn.QueryRow(context.Background(), `
		SELECT coalesce((SELECT md5(string_agg(concat_ws('|', code, kind, name, tps_count, kpu_code_2024, area_km2, ST_AsEWKB(geom)), ',' ORDER BY code)) FROM admin_unit), '')
		    || coalesce((SELECT md5(string_agg(concat_ws('|', unit_code, election_code, phase_code, score, category, score_social_political, score_administration, score_contestation, score_participation, demo, threats, top_threats), ',' ORDER BY unit_code, election_code, phase_code)) FROM risk_score), '')
		    || coalesce((SELECT md5(string_agg(concat_ws('|', type, occurred_at, unit_code, ST_AsEWKB(geom)), ',' ORDER BY id)) FROM incident), '')
		    || (SELECT count(*) FROM admin_level_summary)::text`).Scan(&state)
	if err != nil {
		t.Fatal(err)
	}
	return state
}

func queryInt(t *testing.T, conn *pgx.Conn, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}
