package data

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/petarawan/petarawan/geo"
)

// Observation is a stored observation.
type Observation struct {
	ID         int64     `json:"id"`
	Indicator  string    `json:"indicator"`
	UnitCode   string    `json:"unit_code"`
	TPS        *int      `json:"tps"`
	Election   string    `json:"election"`
	Phase      string    `json:"phase"`
	Value      float64   `json:"value"`
	Source     string    `json:"source"`
	ObservedAt time.Time `json:"observed_at"`
	RecordedAt time.Time `json:"recorded_at"`
	RecordedBy string    `json:"recorded_by"`
	Note       string    `json:"note"`
}

// MaxObservationBatch bounds the observations of one write.
const MaxObservationBatch = 100_000

// UnitScore is a unit's score in a phase before and after a write.
type UnitScore struct {
	UnitCode string        `json:"unit_code"`
	Election string        `json:"election"`
	Phase    string        `json:"phase"`
	Before   *ScoreSummary `json:"before"`
	After    *ScoreSummary `json:"after"`
}

// ScoreSummary is a score with its category.
type ScoreSummary struct {
	Score    float64 `json:"score"`
	Category string  `json:"category"`
}

// ObservationReport tells what a batch of observations did (or, dry, would do).
type ObservationReport struct {
	DryRun       bool          `json:"dry_run"`
	Observations []Observation `json:"observations"`
	Runs         []Run         `json:"scoring_runs"`
	// Rescored are the desa whose inputs changed, with their scores before and after.
	Rescored []UnitScore `json:"rescored"`
}

// observationTarget is what the checks need to know of the catalogue and the units.
type observationTarget struct {
	indicators map[string]geo.Indicator
	phases     map[phaseKey]bool
	tps        map[geo.Code]int // desa that exist, with their TPS count
}

func readObservationTarget(ctx context.Context, tx pgx.Tx, codes []string) (*observationTarget, error) {
	indicators, err := modelIndicators(ctx, tx)
	if err != nil {
		return nil, err
	}
	t := &observationTarget{indicators: map[string]geo.Indicator{}, phases: map[phaseKey]bool{}, tps: map[geo.Code]int{}}
	for _, ind := range indicators {
		t.indicators[ind.Code] = ind
	}
	rows, err := tx.Query(ctx, `SELECT election_code, code FROM election_phase`)
	if err != nil {
		return nil, err
	}
	var p phaseKey
	if _, err := pgx.ForEachRow(rows, []any{&p.Election, &p.Phase}, func() error { t.phases[p] = true; return nil }); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT code, coalesce(tps_count, 0) FROM admin_unit WHERE level = 4 AND code = ANY($1)`, codes)
	if err != nil {
		return nil, err
	}
	var code geo.Code
	var n int
	_, err = pgx.ForEachRow(rows, []any{&code, &n}, func() error { t.tps[code] = n; return nil })
	return t, err
}

// ObservationBatch is a batch of observations to record.
type ObservationBatch struct {
	Inputs []geo.ObservationInput
	// ParseProblems are the inputs that could not even be read (CSV lines);
	// they are reported with the others and make the batch fail.
	ParseProblems []geo.InputProblem
	// DryRun checks and scores everything, then rolls back.
	DryRun bool
}

// AddObservations checks a batch of observations against the catalogue and
// the stored units, records them and rescores the desa they concern with
// every unit above them, all in one transaction: one problem anywhere and
// nothing is written (*InvalidInput lists every problem). A dry run does it
// all and rolls back, reporting what would have changed.
func (s *Store) AddObservations(ctx context.Context, actor Actor, batch ObservationBatch) (ObservationReport, error) {
	inputs := batch.Inputs
	report := ObservationReport{DryRun: batch.DryRun}
	if len(inputs) == 0 && len(batch.ParseProblems) == 0 {
		return report, &InvalidInput{Problems: []geo.InputProblem{{Reason: "no observations given"}}}
	}
	if len(inputs) > MaxObservationBatch {
		return report, &InvalidInput{Problems: []geo.InputProblem{{Reason: fmt.Sprintf("%d observations in one batch; at most %d", len(inputs), MaxObservationBatch)}}}
	}
	errDryRun := errors.New("dry run")
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var codes []string
		for _, in := range inputs {
			if c, err := geo.ParseCode(in.UnitCode); err == nil {
				codes = append(codes, string(c))
			}
		}
		target, err := readObservationTarget(ctx, tx, codes)
		if err != nil {
			return err
		}
		rows, touched, problems := checkObservations(inputs, target, time.Now())
		if problems = append(problems, batch.ParseProblems...); len(problems) > 0 {
			sort.SliceStable(problems, func(i, j int) bool { return problems[i].Line < problems[j].Line })
			return &InvalidInput{Problems: problems}
		}
		// Every input made a row, in order.
		items, desa := make([]geo.InputProblem, len(inputs)), make([]geo.Code, len(inputs))
		for i, in := range inputs {
			items[i], desa[i] = geo.InputProblem{Item: i + 1, Line: in.Line, Field: "unit_code"}, geo.Code(rows[i][1].(string))
		}
		if err := actor.outsideJurisdiction(items, desa); err != nil {
			return err
		}
		before, err := unitScores(ctx, tx, touched)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE new_observation ON COMMIT DROP AS
			SELECT indicator_code, unit_code, tps_number, election_code, phase_code, value, source, observed_at, recorded_by, note
			FROM observation WITH NO DATA`); err != nil {
			return err
		}
		copyRows := make([][]any, len(rows))
		for i, r := range rows {
			copyRows[i] = append(r, actor.Name)
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"new_observation"},
			[]string{"indicator_code", "unit_code", "tps_number", "election_code", "phase_code", "value", "source", "observed_at", "note", "recorded_by"},
			pgx.CopyFromRows(copyRows)); err != nil {
			return err
		}
		stored, err := tx.Query(ctx, `
			INSERT INTO observation (indicator_code, unit_code, tps_number, election_code, phase_code, value, source, observed_at, recorded_by, note)
			SELECT indicator_code, unit_code, tps_number, election_code, phase_code, value, source, observed_at, recorded_by, note
			FROM new_observation
			RETURNING `+observationColumns)
		if err != nil {
			return err
		}
		if report.Observations, err = pgx.CollectRows(stored, scanObservation); err != nil {
			return err
		}
		if report.Runs, err = rescoreTouched(ctx, tx, actor, touched); err != nil {
			return err
		}
		after, err := unitScores(ctx, tx, touched)
		if err != nil {
			return err
		}
		report.Rescored = pairScores(touched, before, after)
		if err := audit(ctx, tx, actor, "observation.create", "observation", nil, auditSummary(report)); err != nil {
			return err
		}
		if batch.DryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		return report, nil
	}
	if err == nil {
		s.observeRuns(report.Runs...)
	}
	return report, err
}

// checkObservations checks every input and gathers the rows to copy, the
// desa each phase's write touches, and every problem.
func checkObservations(inputs []geo.ObservationInput, t *observationTarget, now time.Time) ([][]any, touchedDesa, []geo.InputProblem) {
	var rows [][]any
	var problems []geo.InputProblem
	touched := touchedDesa{}
	for i, in := range inputs {
		code, at, found := in.Check(now, i+1)
		add := func(field, format string, a ...any) {
			found = append(found, geo.InputProblem{Item: i + 1, Line: in.Line, Field: field, Reason: fmt.Sprintf(format, a...)})
		}
		ind, known := t.indicators[in.Indicator]
		switch {
		case in.Indicator == "":
		case !known:
			add("indicator", "unknown indicator %q (GET /indicators lists them)", in.Indicator)
		case ind.IncidentType != "":
			add("indicator", "%s counts incidents of type %s: report the incidents to /collections/insiden/items instead", ind.Code, ind.IncidentType)
		}
		tps, exists := t.tps[code]
		if code != "" && code.Level() == geo.Desa && !exists {
			add("unit_code", "no desa/kelurahan has code %s", code)
		}
		if known {
			switch {
			case ind.Unit == geo.UnitTPS && in.TPS == 0:
				add("tps", "%s is observed per TPS: give the TPS number", ind.Code)
			case ind.Unit == geo.UnitDesa && in.TPS != 0:
				add("tps", "%s is observed per desa: leave tps empty", ind.Code)
			case ind.Unit == geo.UnitTPS && exists && tps > 0 && in.TPS > tps:
				add("tps", "desa %s has %d TPS; there is no TPS %d", code, tps, in.TPS)
			}
			if in.Value != nil {
				if err := ind.CheckValue(*in.Value); err != nil {
					add("value", "%v", err)
				}
			}
		}
		p := phaseKey{in.Election, in.Phase}
		if in.Election != "" && in.Phase != "" && !t.phases[p] {
			add("phase", "election %q has no phase %q", in.Election, in.Phase)
		}
		if len(found) > 0 {
			problems = append(problems, found...)
			continue
		}
		var tpsNumber *int16
		if in.TPS > 0 {
			n := int16(in.TPS)
			tpsNumber = &n
		}
		rows = append(rows, []any{in.Indicator, string(code), tpsNumber, in.Election, in.Phase, *in.Value, in.Source, at, in.Note})
		touched[p] = append(touched[p], code)
	}
	return rows, touched, problems
}

// unitPhase names a unit in an election phase.
type unitPhase struct {
	phaseKey
	code string
}

// unitScores reads the current scores of the touched desa.
func unitScores(ctx context.Context, q querier, touched map[phaseKey][]geo.Code) (map[unitPhase]ScoreSummary, error) {
	out := map[unitPhase]ScoreSummary{}
	for p, codes := range touched {
		rows, err := q.Query(ctx, `SELECT unit_code, score::float8, category FROM risk_score
			WHERE election_code = $1 AND phase_code = $2 AND unit_code = ANY($3)`, p.Election, p.Phase, codes)
		if err != nil {
			return nil, err
		}
		var code string
		var sum ScoreSummary
		if _, err := pgx.ForEachRow(rows, []any{&code, &sum.Score, &sum.Category}, func() error {
			out[unitPhase{p, code}] = sum
			return nil
		}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// pairScores lists each touched desa with its score before and after, in order.
func pairScores(touched map[phaseKey][]geo.Code, before, after map[unitPhase]ScoreSummary) []UnitScore {
	var out []UnitScore
	for _, p := range sortedPhases(touched) {
		for _, c := range touched[p] {
			key := unitPhase{p, string(c)}
			u := UnitScore{UnitCode: string(c), Election: p.Election, Phase: p.Phase}
			if b, ok := before[key]; ok {
				u.Before = &b
			}
			if a, ok := after[key]; ok {
				u.After = &a
			}
			out = append(out, u)
		}
	}
	return out
}

// auditSummary is what the audit log keeps of a batch: every id when few, the range when many.
func auditSummary(r ObservationReport) map[string]any {
	out := map[string]any{"count": len(r.Observations)}
	if n := len(r.Observations); n <= 100 {
		out["observations"] = r.Observations
	} else {
		out["ids"] = strconv.FormatInt(r.Observations[0].ID, 10) + "-" + strconv.FormatInt(r.Observations[n-1].ID, 10)
	}
	runs := make([]int64, len(r.Runs))
	for i, run := range r.Runs {
		runs[i] = run.ID
	}
	out["scoring_runs"] = runs
	return out
}

const observationColumns = `id, indicator_code, unit_code, tps_number, election_code, phase_code, value::float8, source,
	observed_at, recorded_at, recorded_by, note`

func scanObservation(r pgx.CollectableRow) (Observation, error) {
	var o Observation
	var tps *int16
	err := r.Scan(&o.ID, &o.Indicator, &o.UnitCode, &tps, &o.Election, &o.Phase, &o.Value, &o.Source,
		&o.ObservedAt, &o.RecordedAt, &o.RecordedBy, &o.Note)
	if tps != nil {
		n := int(*tps)
		o.TPS = &n
	}
	return o, err
}

// ObservationQuery selects stored observations.
type ObservationQuery struct {
	UnitCode, Indicator, Election, Phase string
	Limit, Offset                        int
	// Within confines the observations to a token's jurisdiction (nil: everywhere).
	Within geo.Jurisdiction
}

// Observations lists stored observations, newest first, and how many match.
func (s *Store) Observations(ctx context.Context, q ObservationQuery) (int64, []Observation, error) {
	w := clause{args: []any{q.UnitCode, q.Indicator, q.Election, q.Phase},
		conds: []string{`($1 = '' OR unit_code = $1) AND ($2 = '' OR indicator_code = $2) AND ($3 = '' OR election_code = $3) AND ($4 = '' OR phase_code = $4)`}}
	w.within("unit_code", q.Within, false)
	where, args := w.sql(), w.args
	matched, br, rows, err := s.countAndPage(ctx, `SELECT count(*) FROM observation WHERE `+where, args,
		fmt.Sprintf(`SELECT %s FROM observation WHERE %s ORDER BY id DESC LIMIT $%d OFFSET $%d`, observationColumns, where, len(args)+1, len(args)+2),
		append(args, q.Limit, q.Offset))
	if err != nil {
		return 0, nil, err
	}
	defer br.Close()
	list, err := pgx.CollectRows(rows, scanObservation)
	return matched, list, err
}
