package data

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/petarawan/petarawan/geo"
)

// UnitCount is the number of stored admin units of all levels.
func (s *Store) UnitCount(ctx context.Context) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM admin_unit`).Scan(&n)
	return n, err
}

// ScoreCount is the number of stored risk scores.
func (s *Store) ScoreCount(ctx context.Context) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM risk_score`).Scan(&n)
	return n, err
}

// SeedDemo writes the demo model's scores (geo.DemoScore) for every desa and
// every phase of every election, and aggregates them to the upper levels
// weighted by TPS count. Scores that are not demo data are never overwritten.
// It returns the number of scores written.
func (s *Store) SeedDemo(ctx context.Context) (int, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
		return 0, err
	}
	desa, weights, err := demoDesa(ctx, tx)
	if err != nil {
		return 0, err
	}
	elections, err := s.queryElections(ctx)
	if err != nil {
		return 0, err
	}
	type phase struct{ election, code string }
	var all []phase
	for _, e := range elections {
		for _, p := range e.Phases {
			all = append(all, phase{e.Code, p.Code})
		}
	}
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE demo_score (LIKE risk_score) ON COMMIT DROP`); err != nil {
		return 0, err
	}
	var rows [][]any
	for _, p := range all {
		scored := make(map[geo.Code]geo.Weighted, len(desa))
		for _, d := range desa {
			scored[d.Code] = geo.Weighted{Score: geo.DemoScore(p.election, p.code, d), Weight: weights[d.Code]}
		}
		add := func(code geo.Code, sc geo.Score) {
			cat := geo.ThresholdsFor(code.Level()).Categorize(sc.Composite)
			rows = append(rows, []any{string(code), p.election, p.code, sc.Composite, string(cat),
				sc.Dimensions[geo.SocialPolitical], sc.Dimensions[geo.Administration],
				sc.Dimensions[geo.Contestation], sc.Dimensions[geo.Participation], true})
		}
		for code, w := range scored {
			add(code, w.Score)
		}
		for code, sc := range geo.AggregateUp(scored) {
			add(code, sc)
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"demo_score"}, riskScoreColumns, pgx.CopyFromRows(rows)); err != nil {
		return 0, fmt.Errorf("copy demo scores: %w", err)
	}
	tag, err := tx.Exec(ctx, `
		INSERT INTO risk_score AS r
		SELECT d.* FROM demo_score d JOIN admin_unit u ON u.code = d.unit_code
		ON CONFLICT (election_code, phase_code, unit_code) DO UPDATE SET
			score = EXCLUDED.score, category = EXCLUDED.category,
			score_social_political = EXCLUDED.score_social_political, score_administration = EXCLUDED.score_administration,
			score_contestation = EXCLUDED.score_contestation, score_participation = EXCLUDED.score_participation
		WHERE r.demo`)
	if err != nil {
		return 0, err
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), s.vacuumAnalyze(ctx, "risk_score")
}

var riskScoreColumns = []string{"unit_code", "election_code", "phase_code", "score", "category",
	"score_social_political", "score_administration", "score_contestation", "score_participation", "demo"}

// demoDesa reads every desa's code, a point inside it and its TPS count.
func demoDesa(ctx context.Context, tx pgx.Tx) ([]geo.DemoDesa, map[geo.Code]float64, error) {
	rows, err := tx.Query(ctx, `
		SELECT code, ST_X(p), ST_Y(p), coalesce(tps_count, 0)
		FROM (SELECT code, tps_count, ST_PointOnSurface(geom) AS p FROM admin_unit WHERE level = 4) d
		ORDER BY code`)
	if err != nil {
		return nil, nil, err
	}
	var desa []geo.DemoDesa
	weights := map[geo.Code]float64{}
	for rows.Next() {
		var d geo.DemoDesa
		var tps int
		if err := rows.Scan(&d.Code, &d.Lon, &d.Lat, &tps); err != nil {
			return nil, nil, err
		}
		desa = append(desa, d)
		weights[d.Code] = float64(tps)
	}
	return desa, weights, rows.Err()
}
