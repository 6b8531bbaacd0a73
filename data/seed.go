package data

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/petarawan/petarawan/geo"
)

// UnitCount is the number of stored admin units of all levels.
func (s *Store) UnitCount(ctx context.Context) (int, error) {
	var n int
	err := s.read.QueryRow(ctx, `SELECT count(*) FROM admin_unit`).Scan(&n)
	return n, err
}

// ScoreCount is the number of stored risk scores.
func (s *Store) ScoreCount(ctx context.Context) (int, error) {
	var n int
	err := s.read.QueryRow(ctx, `SELECT count(*) FROM risk_score`).Scan(&n)
	return n, err
}

// demoActor records the demo data.
var demoActor = Actor{Name: "demo", Role: Admin}

// SeedReport counts what SeedDemo wrote.
type SeedReport struct {
	Observations, Incidents int
	Runs                    []Run
}

// SeedDemo writes the demo model's observations and incidents
// (geo.DemoObservations, geo.DemoIncidents) for every desa and every phase of
// every election, source "demo", then scores every phase. Demo inputs are
// written once: seeding again only rescores.
func (s *Store) SeedDemo(ctx context.Context) (SeedReport, error) {
	var report SeedReport
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
			return err
		}
		var seeded bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM observation WHERE source = 'demo')`).Scan(&seeded); err != nil || seeded {
			return err
		}
		desa, tps, err := demoDesa(ctx, tx)
		if err != nil {
			return err
		}
		elections, err := s.queryElections(ctx)
		if err != nil {
			return err
		}
		indicators, err := modelIndicators(ctx, tx)
		if err != nil {
			return err
		}
		var observations, incidents [][]any
		for _, e := range elections {
			for _, p := range e.Phases {
				start, end := phaseSpan(p)
				for _, d := range desa {
					for _, o := range geo.DemoObservations(e.Code, p.Code, d, tps[d.Code], indicators) {
						var tpsNumber *int16
						if o.TPS > 0 {
							n := int16(o.TPS)
							tpsNumber = &n
						}
						observations = append(observations, []any{o.Indicator, string(d.Code), tpsNumber, e.Code, p.Code, o.Value, start})
					}
					for _, in := range geo.DemoIncidents(e.Code, p.Code, d, tps[d.Code], indicators) {
						at := start.Add(time.Duration(in.At * float64(end.Sub(start)))).Truncate(time.Minute)
						incidents = append(incidents, []any{in.Type, at, e.Code, p.Code, string(d.Code), in.Seed})
					}
				}
			}
		}
		n, err := tx.CopyFrom(ctx, pgx.Identifier{"observation"},
			[]string{"indicator_code", "unit_code", "tps_number", "election_code", "phase_code", "value", "observed_at", "source", "recorded_by", "note"},
			withDemoColumns(observations))
		if err != nil {
			return fmt.Errorf("copy demo observations: %w", err)
		}
		report.Observations = int(n)
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE demo_incident (type text, occurred_at timestamptz, election_code text,
			phase_code text, unit_code text, seed bigint) ON COMMIT DROP`); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"demo_incident"},
			[]string{"type", "occurred_at", "election_code", "phase_code", "unit_code", "seed"}, pgx.CopyFromRows(incidents)); err != nil {
			return fmt.Errorf("copy demo incidents: %w", err)
		}
		// ST_GeneratePoints with a seed places each incident at the same point
		// inside its desa every time; it gives nothing for slivers too thin to
		// sample, which take the point on their surface.
		tag, err := tx.Exec(ctx, `
			INSERT INTO incident (type, occurred_at, election_code, phase_code, unit_code, description, source, recorded_by, geom)
			SELECT d.type, d.occurred_at, d.election_code, d.phase_code, d.unit_code, 'Insiden contoh (data demo)', 'demo', 'demo',
			       coalesce(ST_GeometryN(ST_GeneratePoints(u.geom, 1, d.seed::integer), 1), ST_PointOnSurface(u.geom))
			FROM demo_incident d JOIN admin_unit u ON u.code = d.unit_code
			ORDER BY d.occurred_at, d.unit_code, d.type`)
		if err != nil {
			return err
		}
		report.Incidents = int(tag.RowsAffected())
		return audit(ctx, tx, demoActor, "demo.seed", "observation,incident", nil,
			map[string]int{"observations": report.Observations, "incidents": report.Incidents})
	})
	if err != nil {
		return report, err
	}
	if err := s.vacuumAnalyze(ctx, "observation", "incident"); err != nil {
		return report, err
	}
	report.Runs, err = s.ScoreAll(ctx, demoActor)
	return report, err
}

// withDemoColumns appends the columns every demo observation shares: source, recorded_by, note.
func withDemoColumns(rows [][]any) pgx.CopyFromSource {
	return pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
		return append(rows[i], "demo", "demo", "data demo"), nil
	})
}

// phaseSpan is a phase's first and last instant in WIB.
func phaseSpan(p Phase) (time.Time, time.Time) {
	start := time.Date(p.StartsOn.Year(), p.StartsOn.Month(), p.StartsOn.Day(), 0, 0, 0, 0, geo.WIB)
	end := time.Date(p.EndsOn.Year(), p.EndsOn.Month(), p.EndsOn.Day(), 23, 59, 0, 0, geo.WIB)
	return start, end
}

// demoDesa reads every desa's code, a point inside it and its TPS count.
func demoDesa(ctx context.Context, tx pgx.Tx) ([]geo.DemoDesa, map[geo.Code]int, error) {
	rows, err := tx.Query(ctx, `
		SELECT code, ST_X(p), ST_Y(p), coalesce(tps_count, 0)
		FROM (SELECT code, tps_count, ST_PointOnSurface(geom) AS p FROM admin_unit WHERE level = 4) d
		ORDER BY code`)
	if err != nil {
		return nil, nil, err
	}
	var desa []geo.DemoDesa
	tps := map[geo.Code]int{}
	var d geo.DemoDesa
	var n int
	_, err = pgx.ForEachRow(rows, []any{&d.Code, &d.Lon, &d.Lat, &n}, func() error {
		desa = append(desa, d)
		tps[d.Code] = n
		return nil
	})
	return desa, tps, err
}
