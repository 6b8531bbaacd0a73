package data

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/petarawan/petarawan/geo"
)

// querier is what both a pool and a transaction offer for reading.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Run is one scoring of one election phase.
type Run struct {
	ID          int64      `json:"id"`
	Election    string     `json:"election"`
	Phase       string     `json:"phase"`
	Trigger     string     `json:"trigger"` // full: every unit; write: the units a write touched
	Status      string     `json:"status"`  // queued, running, done, failed
	UnitsScored *int       `json:"units_scored"`
	RequestedBy string     `json:"requested_by"`
	RequestedAt time.Time  `json:"requested_at"`
	StartedAt   *time.Time `json:"started_at"`
	FinishedAt  *time.Time `json:"finished_at"`
	Error       *string    `json:"error,omitempty"`
	// Model is what the run scored with (set once it has run).
	Model *geo.Model `json:"model,omitempty"`
	// LastObservation and LastIncident are the newest inputs the run saw.
	LastObservation *int64 `json:"last_observation_id"`
	LastIncident    *int64 `json:"last_incident_id"`
}

// loadModel reads the scoring model of a phase: the catalogue, the dimension
// weights and the thresholds as they are now.
func loadModel(ctx context.Context, q querier, phase string) (geo.Model, error) {
	m := geo.Model{Phase: phase, Thresholds: map[geo.Level]geo.Thresholds{}}
	var err error
	if m.Indicators, err = modelIndicators(ctx, q); err != nil {
		return m, err
	}
	rows, err := q.Query(ctx, `SELECT code, weight::float8 FROM dimension`)
	if err != nil {
		return m, err
	}
	var code string
	var weight float64
	if _, err := pgx.ForEachRow(rows, []any{&code, &weight}, func() error {
		d, ok := geo.ParseDimension(code)
		if !ok {
			return fmt.Errorf("unknown dimension %q", code)
		}
		m.DimensionWeights[d] = weight
		return nil
	}); err != nil {
		return m, err
	}
	rows, err = q.Query(ctx, `SELECT level, sedang::float8, tinggi::float8 FROM category_threshold`)
	if err != nil {
		return m, err
	}
	var level int16
	var t geo.Thresholds
	_, err = pgx.ForEachRow(rows, []any{&level, &t.Sedang, &t.Tinggi}, func() error {
		m.Thresholds[geo.Level(level)] = t
		return nil
	})
	if err == nil && len(m.Thresholds) != len(geo.Levels) {
		err = fmt.Errorf("category_threshold holds %d levels, want %d", len(m.Thresholds), len(geo.Levels))
	}
	return m, err
}

// modelIndicators reads the catalogue's indicators as the scoring model takes them, by code.
func modelIndicators(ctx context.Context, q querier) ([]geo.Indicator, error) {
	rows, err := q.Query(ctx, `SELECT `+indicatorColumns+` FROM indicator i ORDER BY i.code`)
	if err != nil {
		return nil, err
	}
	catalogue, err := collectIndicators(rows)
	if err != nil {
		return nil, err
	}
	indicators := make([]geo.Indicator, len(catalogue))
	for i, c := range catalogue {
		if indicators[i], err = c.model(); err != nil {
			return nil, err
		}
	}
	return indicators, nil
}

// desaInputs are the raw inputs of the desa being scored, and which of them rest on demo data.
type desaInputs struct {
	inputs map[geo.Code]*geo.DesaInput
	demo   map[geo.Code]bool
	// lastObservation and lastIncident are the newest inputs read (0: none).
	lastObservation, lastIncident int64
}

// scope limits the inputs read: the desa listed (nil: every desa), and the
// newest observation and incident to see (0: all of them, as stored now).
type scope struct {
	desa                            []geo.Code
	untilObservation, untilIncident int64
}

// readInputs gathers, for the desa in scope, the raw value of every observed
// indicator in an election phase (geo.DesaInput documents what raw means).
func readInputs(ctx context.Context, q querier, election, phase string, sc scope) (*desaInputs, error) {
	args := []any{election, phase, sc.untilObservation, sc.untilIncident}
	var unitArgs []any
	unitFilter := func(col, param string) string { return "" }
	if sc.desa != nil {
		codes := make([]string, len(sc.desa))
		for i, c := range sc.desa {
			codes[i] = string(c)
		}
		args, unitArgs = append(args, codes), []any{codes}
		unitFilter = func(col, param string) string { return " AND " + col + " = ANY(" + param + ")" }
	}
	in := &desaInputs{inputs: map[geo.Code]*geo.DesaInput{}, demo: map[geo.Code]bool{}}
	rows, err := q.Query(ctx, `SELECT code, coalesce(tps_count, 0) FROM admin_unit WHERE level = 4`+unitFilter("code", "$1"), unitArgs...)
	if err != nil {
		return nil, err
	}
	var code geo.Code
	var tps int
	if _, err := pgx.ForEachRow(rows, []any{&code, &tps}, func() error {
		in.inputs[code] = &geo.DesaInput{Code: code, TPSCount: tps, Raw: map[string]float64{}}
		return nil
	}); err != nil {
		return nil, err
	}
	// The latest observation of each desa indicator, the number of TPS whose
	// latest observation is 1 for each TPS indicator, and the incidents of
	// each incident indicator.
	observed := `o.election_code = $1 AND o.phase_code = $2 AND ($3 = 0 OR o.id <= $3)` + unitFilter("o.unit_code", "$5")
	rows, err = q.Query(ctx, `
		SELECT unit_code, indicator_code, value::float8, demo FROM (
			SELECT DISTINCT ON (o.unit_code, o.indicator_code) o.unit_code, o.indicator_code, o.value, o.source = 'demo' AS demo
			FROM observation o JOIN indicator i ON i.code = o.indicator_code AND i.unit = 'desa'
			WHERE `+observed+`
			ORDER BY o.unit_code, o.indicator_code, o.observed_at DESC, o.id DESC) latest
		UNION ALL
		SELECT unit_code, indicator_code, count(*) FILTER (WHERE value = 1), bool_or(demo) FROM (
			SELECT DISTINCT ON (o.unit_code, o.indicator_code, o.tps_number) o.unit_code, o.indicator_code, o.value, o.source = 'demo' AS demo
			FROM observation o JOIN indicator i ON i.code = o.indicator_code AND i.unit = 'tps'
			WHERE `+observed+`
			ORDER BY o.unit_code, o.indicator_code, o.tps_number, o.observed_at DESC, o.id DESC) latest
		GROUP BY unit_code, indicator_code
		UNION ALL
		SELECT n.unit_code, i.code, count(*), bool_or(n.source = 'demo')
		FROM incident n JOIN indicator i ON i.incident_type = n.type
		WHERE n.election_code = $1 AND n.phase_code = $2 AND ($4 = 0 OR n.id <= $4)`+unitFilter("n.unit_code", "$5")+`
		GROUP BY n.unit_code, i.code`, args...)
	if err != nil {
		return nil, err
	}
	var indicator string
	var value float64
	var demo bool
	if _, err := pgx.ForEachRow(rows, []any{&code, &indicator, &value, &demo}, func() error {
		if d := in.inputs[code]; d != nil {
			d.Raw[indicator] = value
			in.demo[code] = in.demo[code] || demo
		}
		return nil
	}); err != nil {
		return nil, err
	}
	err = q.QueryRow(ctx, `SELECT coalesce((SELECT max(id) FROM observation), 0), coalesce((SELECT max(id) FROM incident), 0)`).
		Scan(&in.lastObservation, &in.lastIncident)
	if sc.untilObservation > 0 {
		in.lastObservation = sc.untilObservation
	}
	if sc.untilIncident > 0 {
		in.lastIncident = sc.untilIncident
	}
	return in, err
}

// lockPhase serializes the scorings of one election phase until the
// transaction ends, so that a full run and a write never interleave.
func lockPhase(ctx context.Context, tx pgx.Tx, election, phase string) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('scoring ' || $1 || ' ' || $2, 0))`, election, phase)
	return err
}

// score scores the given desa (nil: all) of an election phase and every unit
// above them, records the run and writes the scores, all in tx. runID names
// a queued run to fill in; 0 makes a new one.
func score(ctx context.Context, tx pgx.Tx, actor Actor, election, phase string, desa []geo.Code, runID int64) (Run, error) {
	run := Run{ID: runID, Election: election, Phase: phase, Trigger: "full", RequestedBy: actor.Name}
	if desa != nil {
		run.Trigger = "write"
	}
	if err := lockPhase(ctx, tx, election, phase); err != nil {
		return run, err
	}
	model, err := loadModel(ctx, tx, phase)
	if err != nil {
		return run, err
	}
	in, err := readInputs(ctx, tx, election, phase, scope{desa: desa})
	if err != nil {
		return run, err
	}
	params, err := json.Marshal(model)
	if err != nil {
		return run, err
	}
	if runID == 0 {
		err = tx.QueryRow(ctx, `
			INSERT INTO scoring_run (election_code, phase_code, trigger, status, requested_by, started_at)
			VALUES ($1, $2, $3, 'running', $4, now()) RETURNING id`,
			election, phase, run.Trigger, actor.Name).Scan(&run.ID)
		if err != nil {
			return run, err
		}
	}

	results := make(map[geo.Code]geo.Weighted, len(in.inputs))
	for code, d := range in.inputs {
		results[code] = geo.Weighted{Result: model.ScoreDesa(*d), Weight: float64(d.TPSCount)}
	}
	demo := in.demo
	if desa != nil {
		// Units above the rescored desa aggregate all their desa: read the
		// stored scores of the others in the same provinces.
		if err := readDesaResults(ctx, tx, election, phase, provincesOf(desa), results, demo); err != nil {
			return run, err
		}
	}
	upper := model.AggregateUp(results)
	for code := range results {
		for l := geo.Kecamatan; l >= geo.Provinsi; l-- {
			demo[code.Ancestor(l)] = demo[code.Ancestor(l)] || demo[code]
		}
	}
	var rows [][]any
	add := func(code geo.Code, r geo.Result) error {
		threats, err := json.Marshal(r.Threats)
		if err != nil {
			return err
		}
		s := r.Score
		rows = append(rows, []any{string(code), election, phase, s.Composite, string(r.Category),
			s.Dimensions[geo.SocialPolitical], s.Dimensions[geo.Administration], s.Dimensions[geo.Contestation],
			s.Dimensions[geo.Participation], demo[code], run.ID, string(threats), geo.TopThreats(r.Threats)})
		return nil
	}
	for code, r := range upper {
		if desa == nil || touches(desa, code) {
			if err := add(code, r); err != nil {
				return run, err
			}
		}
	}
	for code := range in.inputs {
		if err := add(code, results[code].Result); err != nil {
			return run, err
		}
	}
	// The cells to refresh: those of the desa scored, or on a full run of the
	// desa whose score changed (a run over unchanged inputs changes none).
	refresh, all := desa, false
	if desa == nil {
		if refresh, err = changedDesa(ctx, tx, election, phase, results, demo); err != nil {
			return run, err
		}
		all = len(refresh) == len(results) // then refresh every cell, without looking them up
	}
	if err := writeScores(ctx, tx, rows); err != nil {
		return run, err
	}
	switch {
	case all:
		err = refreshH3Scores(ctx, tx, &phaseKey{election, phase}, nil)
	case len(refresh) > 0:
		err = refreshH3Scores(ctx, tx, &phaseKey{election, phase}, refresh)
	}
	if err != nil {
		return run, err
	}
	units := len(rows)
	run.UnitsScored = &units
	run.Status = "done"
	err = tx.QueryRow(ctx, `
		UPDATE scoring_run SET status = 'done', params = $2, last_observation_id = $3, last_incident_id = $4,
			units_scored = $5, started_at = coalesce(started_at, now()), finished_at = clock_timestamp()
		WHERE id = $1
		RETURNING requested_at, started_at, finished_at`, run.ID, params, in.lastObservation, in.lastIncident, units).
		Scan(&run.RequestedAt, &run.StartedAt, &run.FinishedAt)
	run.LastObservation, run.LastIncident = &in.lastObservation, &in.lastIncident
	return run, err
}

// changedDesa lists the desa whose stored score in the phase differs from
// the new one (composite, category or demo), or that have none yet.
func changedDesa(ctx context.Context, q querier, election, phase string, results map[geo.Code]geo.Weighted, demo map[geo.Code]bool) ([]geo.Code, error) {
	rows, err := q.Query(ctx, `
		SELECT unit_code, score::float8, category, demo FROM risk_score
		WHERE election_code = $1 AND phase_code = $2 AND length(unit_code) = 13`, election, phase)
	if err != nil {
		return nil, err
	}
	stored := map[geo.Code]bool{}
	var changed []geo.Code
	var code geo.Code
	var score float64
	var category geo.Category
	var isDemo bool
	_, err = pgx.ForEachRow(rows, []any{&code, &score, &category, &isDemo}, func() error {
		r, ok := results[code]
		stored[code] = true
		// Scores are stored with two decimals, as the model rounds them.
		if ok && (math.Abs(r.Result.Score.Composite-score) > 0.001 || r.Result.Category != category || demo[code] != isDemo) {
			changed = append(changed, code)
		}
		return nil
	})
	for code := range results {
		if code.Level() == geo.Desa && !stored[code] {
			changed = append(changed, code)
		}
	}
	return changed, err
}

func provincesOf(desa []geo.Code) []string {
	seen := map[geo.Code]bool{}
	var out []string
	for _, d := range desa {
		if p := d.Ancestor(geo.Provinsi); !seen[p] {
			seen[p] = true
			out = append(out, string(p))
		}
	}
	return out
}

// touches tells whether unit encloses one of the desa.
func touches(desa []geo.Code, unit geo.Code) bool {
	for _, d := range desa {
		if d.Ancestor(unit.Level()) == unit {
			return true
		}
	}
	return false
}

// readDesaResults adds to results the stored scores of the desa of the given
// provinces that results does not hold yet. The weights and the scores are
// read apart and joined here: joined in SQL, the thousands of lookups of a
// large provinsi cost several times more.
func readDesaResults(ctx context.Context, q querier, election, phase string, provinces []string, results map[geo.Code]geo.Weighted, demo map[geo.Code]bool) error {
	rows, err := q.Query(ctx, `SELECT code, coalesce(tps_count, 0) FROM admin_unit WHERE provinsi_code = ANY($1) AND level = 4`, provinces)
	if err != nil {
		return err
	}
	tps := map[geo.Code]int{}
	var code geo.Code
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&code, &n}, func() error { tps[code] = n; return nil }); err != nil {
		return err
	}
	rows, err = q.Query(ctx, `
		SELECT unit_code, score::float8, score_social_political::float8, score_administration::float8,
		       score_contestation::float8, score_participation::float8, threats, demo
		FROM risk_score
		WHERE election_code = $1 AND phase_code = $2 AND left(unit_code, 2) = ANY($3) AND length(unit_code) = 13`,
		election, phase, provinces)
	if err != nil {
		return err
	}
	var isDemo bool
	var r geo.Result
	d := &r.Score.Dimensions
	_, err = pgx.ForEachRow(rows, []any{&code, &r.Score.Composite, &d[0], &d[1], &d[2], &d[3], &r.Threats, &isDemo}, func() error {
		weight, isDesa := tps[code]
		if _, scored := results[code]; isDesa && !scored {
			results[code] = geo.Weighted{Result: r, Weight: float64(weight)}
			demo[code] = isDemo
		}
		r.Threats = nil // a fresh map for the next row
		return nil
	})
	return err
}

// writeScores upserts risk_score rows.
func writeScores(ctx context.Context, tx pgx.Tx, rows [][]any) error {
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS new_score (LIKE risk_score) ON COMMIT DROP`); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `TRUNCATE new_score`); err != nil {
		return err
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"new_score"}, riskScoreColumns, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("copy scores: %w", err)
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO risk_score AS r (`+strings.Join(riskScoreColumns, ", ")+`)
		SELECT `+strings.Join(riskScoreColumns, ", ")+` FROM new_score
		ON CONFLICT (election_code, phase_code, unit_code) DO UPDATE SET
			score = EXCLUDED.score, category = EXCLUDED.category,
			score_social_political = EXCLUDED.score_social_political, score_administration = EXCLUDED.score_administration,
			score_contestation = EXCLUDED.score_contestation, score_participation = EXCLUDED.score_participation,
			demo = EXCLUDED.demo, run_id = EXCLUDED.run_id, threats = EXCLUDED.threats, top_threats = EXCLUDED.top_threats`)
	return err
}

var riskScoreColumns = []string{"unit_code", "election_code", "phase_code", "score", "category",
	"score_social_political", "score_administration", "score_contestation", "score_participation",
	"demo", "run_id", "threats", "top_threats"}

// rescoreDesa rescores desa after a write that changed their inputs, with
// every unit above them, in the write's transaction.
func rescoreDesa(ctx context.Context, tx pgx.Tx, actor Actor, election, phase string, desa []geo.Code) (Run, error) {
	if len(desa) == 0 {
		return Run{}, nil
	}
	return score(ctx, tx, actor, election, phase, desa, 0)
}

// phaseKey names an election phase.
type phaseKey struct{ Election, Phase string }

// touchedDesa are the desa a write touched, per election phase.
type touchedDesa map[phaseKey][]geo.Code

// sortedPhases lists the phases of m in a fixed order, so that writes take
// the phases' locks in the same order and never deadlock.
func sortedPhases(m touchedDesa) []phaseKey {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b phaseKey) int {
		return cmp.Or(cmp.Compare(a.Election, b.Election), cmp.Compare(a.Phase, b.Phase))
	})
	return keys
}

// rescoreTouched rescores, phase by phase, the desa a write touched (each
// once, in code order) with every unit above them, in the write's transaction.
func rescoreTouched(ctx context.Context, tx pgx.Tx, actor Actor, touched touchedDesa) ([]Run, error) {
	var runs []Run
	for _, p := range sortedPhases(touched) {
		slices.Sort(touched[p])
		touched[p] = slices.Compact(touched[p])
		run, err := rescoreDesa(ctx, tx, actor, p.Election, p.Phase, touched[p])
		if err != nil {
			return nil, err
		}
		runs = append(runs, run)
	}
	return runs, nil
}

// allPhases lists every phase of every election, in order.
func (s *Store) allPhases(ctx context.Context, q querier) ([]phaseKey, error) {
	rows, err := q.Query(ctx, `
		SELECT p.election_code, p.code FROM election_phase p JOIN election e ON e.code = p.election_code
		ORDER BY e.voting_day, p.seq`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[phaseKey])
}

// ScoreAll runs a full scoring of every phase of every election, each phase
// in its own transaction, and returns the runs.
func (s *Store) ScoreAll(ctx context.Context, actor Actor) ([]Run, error) {
	phases, err := s.allPhases(ctx, s.write)
	if err != nil {
		return nil, err
	}
	var runs []Run
	for _, p := range phases {
		var run Run
		err := s.inTx(ctx, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
				return err
			}
			var err error
			run, err = score(ctx, tx, actor, p.Election, p.Phase, nil, 0)
			return err
		})
		if err != nil {
			return runs, fmt.Errorf("score %s %s: %w", p.Election, p.Phase, err)
		}
		runs = append(runs, run)
		s.observeRuns(run)
	}
	return runs, s.vacuumAnalyze(ctx, "risk_score")
}

// queueFullScoring asks, in the transaction of a change to the model
// (catalogue, weights, thresholds), for a full run of every phase, and returns
// every queued run that will apply the change. Changes take turns; the runs
// already queued are locked until the change commits, so that no worker
// starts one with the model as it was; a phase without a queued run gets one.
// Wake the worker once the transaction has committed.
func (s *Store) queueFullScoring(ctx context.Context, tx pgx.Tx, actor Actor) ([]Run, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('model change', 0))`); err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `SELECT id FROM scoring_run WHERE status = 'queued' ORDER BY id FOR UPDATE`)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `
		INSERT INTO scoring_run (election_code, phase_code, trigger, status, requested_by)
		SELECT p.election_code, p.code, 'full', 'queued', $1 FROM election_phase p
		WHERE NOT EXISTS (SELECT FROM scoring_run q WHERE q.status = 'queued'
		                  AND q.election_code = p.election_code AND q.phase_code = p.code)
		RETURNING id`, actor.Name)
	if err != nil {
		return nil, err
	}
	added, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT `+runColumns+` FROM scoring_run WHERE id = ANY($1) ORDER BY id`, append(ids, added...))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Run, error) { return scanRun(r) })
}

// wakeScoring tells the scoring worker, if one runs, that runs are queued.
func (s *Store) wakeScoring() {
	select {
	case s.scoringQueued <- struct{}{}:
	default:
	}
}

// RunQueuedScoring runs the oldest queued scoring run, if any, and tells
// whether there was one. Several servers may share the queue.
func (s *Store) RunQueuedScoring(ctx context.Context) (bool, error) {
	var run Run
	var requestedBy string
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `
			UPDATE scoring_run SET status = 'running', started_at = now()
			WHERE id = (SELECT id FROM scoring_run WHERE status = 'queued' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
			RETURNING id, election_code, phase_code, requested_by`).Scan(&run.ID, &run.Election, &run.Phase, &requestedBy)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
			return err
		}
		var err error
		run, err = score(ctx, tx, Actor{Name: requestedBy}, run.Election, run.Phase, nil, run.ID)
		return err
	})
	if err != nil && (ctx.Err() != nil || errors.Is(err, ErrBusy)) {
		// Shutting down, or no write connection came free: the run goes back
		// to the queue for the next worker.
		_, requeueErr := s.write.Exec(context.WithoutCancel(ctx),
			`UPDATE scoring_run SET status = 'queued', started_at = NULL WHERE id = $1`, run.ID)
		return false, errors.Join(ctx.Err(), err, requeueErr)
	}
	if err != nil {
		// Recorded on a fresh context: the run's own may be what failed.
		_, markErr := s.write.Exec(context.WithoutCancel(ctx),
			`UPDATE scoring_run SET status = 'failed', finished_at = now(), error = $2 WHERE id = $1`, run.ID, err.Error())
		return true, errors.Join(fmt.Errorf("scoring run %d: %w", run.ID, err), markErr)
	}
	s.observeRuns(run)
	return true, nil
}

// observeRuns reports how long each committed run took (Options.ObserveJob).
func (s *Store) observeRuns(runs ...Run) {
	for _, r := range runs {
		if s.opt.ObserveJob != nil && r.StartedAt != nil && r.FinishedAt != nil {
			s.opt.ObserveJob("scoring_"+r.Trigger, r.FinishedAt.Sub(*r.StartedAt))
		}
	}
}

// ScoringWorker runs queued scoring runs until ctx ends, waking when this
// process queues one and every poll interval for runs queued elsewhere.
func (s *Store) ScoringWorker(ctx context.Context, poll time.Duration, report func(error)) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.scoringQueued:
		case <-timer.C:
		}
		for {
			ran, err := s.RunQueuedScoring(ctx)
			if err != nil && ctx.Err() == nil {
				report(err)
			}
			if !ran || ctx.Err() != nil {
				break
			}
		}
		timer.Reset(poll)
	}
}

const runColumns = `id, election_code, phase_code, trigger, status, units_scored, requested_by, requested_at,
	started_at, finished_at, error, params, last_observation_id, last_incident_id`

func scanRun(r pgx.Row) (Run, error) {
	var run Run
	var params []byte
	err := r.Scan(&run.ID, &run.Election, &run.Phase, &run.Trigger, &run.Status, &run.UnitsScored, &run.RequestedBy,
		&run.RequestedAt, &run.StartedAt, &run.FinishedAt, &run.Error, &params, &run.LastObservation, &run.LastIncident)
	if err == nil && params != nil {
		run.Model = &geo.Model{}
		err = json.Unmarshal(params, run.Model)
	}
	return run, err
}

// ScoringRun reads one run with its model.
func (s *Store) ScoringRun(ctx context.Context, id int64) (Run, error) {
	run, err := scanRun(s.read.QueryRow(ctx, `SELECT `+runColumns+` FROM scoring_run WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return run, ErrNotFound
	}
	return run, err
}

// ScoringRuns lists runs, newest first, without their models.
func (s *Store) ScoringRuns(ctx context.Context, limit, offset int) ([]Run, error) {
	rows, err := s.read.Query(ctx, `SELECT `+runColumns+` FROM scoring_run ORDER BY id DESC LIMIT $1 OFFSET $2`, limit, offset)
	if err != nil {
		return nil, err
	}
	runs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Run, error) { return scanRun(r) })
	for i := range runs {
		runs[i].Model = nil
	}
	return runs, err
}
