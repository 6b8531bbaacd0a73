package data

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/petarawan/petarawan/geo"
)

// Explanation is why a unit scores what it scores in an election phase.
type Explanation struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Level    string `json:"level"`
	Kind     string `json:"kind"`
	TPSCount *int   `json:"tps_count"`
	Election string `json:"election"`
	Phase    string `json:"phase"`
	// Score is nil when the unit has no score in the phase yet.
	Score *ExplainedScore `json:"score"`
	// Method says in words how the score was computed.
	Method string `json:"method"`
	// Dimensions break a desa's score down to indicators and their inputs.
	Dimensions []ExplainedDimension `json:"dimensions,omitempty"`
	// Components are the units one level down of an aggregated unit.
	Components []ComponentScore `json:"components,omitempty"`
	// History is the composite in every phase of the election, in order.
	History []PhaseScore `json:"history"`
}

// ExplainedScore is a stored score with the run that computed it.
type ExplainedScore struct {
	Score      float64            `json:"score"`
	Category   string             `json:"category"`
	Thresholds geo.Thresholds     `json:"thresholds"`
	Dimensions map[string]float64 `json:"dimensions"`
	Threats    []ThreatShare      `json:"threats"`
	TopThreats []string           `json:"top_threats"`
	Demo       bool               `json:"demo"`
	Run        Run                `json:"scoring_run"`
}

// ThreatShare is a threat's share of a composite, in score points.
type ThreatShare struct {
	Threat string  `json:"threat"`
	Name   string  `json:"name"`
	Points float64 `json:"points"`
}

// ExplainedDimension is one IKP dimension of a desa's score.
type ExplainedDimension struct {
	Code       string               `json:"code"`
	Name       string               `json:"name"`
	Weight     float64              `json:"weight"`
	Score      float64              `json:"score"`
	Indicators []ExplainedIndicator `json:"indicators"`
}

// ExplainedIndicator is one indicator's part in a desa's score, with the inputs behind it.
type ExplainedIndicator struct {
	geo.IndicatorScore
	Name          string                 `json:"name"`
	Threat        string                 `json:"threat"`
	Unit          geo.IndicatorUnit      `json:"unit"`
	ValueType     geo.ValueType          `json:"value_type"`
	Direction     int                    `json:"direction"`
	Normalization geo.Normalization      `json:"normalization"`
	RefMin        float64                `json:"ref_min"`
	RefMax        float64                `json:"ref_max"`
	Observations  []ExplainedObservation `json:"observations,omitempty"`
	Incidents     []IncidentRef          `json:"incidents,omitempty"`
}

// ExplainedObservation is an observation and whether the score used it (the
// latest per desa, or per TPS, wins).
type ExplainedObservation struct {
	Observation
	Used bool `json:"used"`
}

// IncidentRef is an incident counted by an indicator.
type IncidentRef struct {
	ID          int64     `json:"id"`
	Type        string    `json:"type"`
	OccurredAt  time.Time `json:"occurred_at"`
	Description string    `json:"description"`
	Source      string    `json:"source"`
}

// ComponentScore is a unit one level down and the weight it carries.
type ComponentScore struct {
	Code     string   `json:"code"`
	Name     string   `json:"name"`
	TPSCount int      `json:"tps_count"`
	Score    *float64 `json:"score"`
	Category *string  `json:"category"`
}

// PhaseScore is a unit's composite in one phase.
type PhaseScore struct {
	Phase    string   `json:"phase"`
	Name     string   `json:"name"`
	StartsOn string   `json:"starts_on"`
	EndsOn   string   `json:"ends_on"`
	Score    *float64 `json:"score"`
	Category *string  `json:"category"`
	Demo     *bool    `json:"demo"`
}

// Explain gives the full breakdown of a unit's score in an election phase:
// for a desa, every indicator with the observations and incidents behind it,
// recomputed from the run's own model and inputs so that it adds up to the
// stored score; for an upper unit, its components; and the history across phases.
func (s *Store) Explain(ctx context.Context, l geo.Level, code geo.Code, election, phase string) (*Explanation, error) {
	// One read-only transaction: every part sees the same state.
	tx, err := s.read.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	e := &Explanation{Code: string(code), Level: l.String(), Election: election, Phase: phase}
	err = tx.QueryRow(ctx, `SELECT name, kind, tps_count FROM admin_unit WHERE code = $1 AND level = $2`, string(code), int16(l)).
		Scan(&e.Name, &e.Kind, &e.TPSCount)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("no %s with code %s: %w", l, code, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	if e.History, err = phaseHistory(ctx, tx, code, election); err != nil {
		return nil, err
	}
	var stored ExplainedScore
	var runID int64
	var threats map[string]float64
	d := make([]float64, 4)
	err = tx.QueryRow(ctx, `
		SELECT score::float8, category, score_social_political::float8, score_administration::float8,
		       score_contestation::float8, score_participation::float8, threats, top_threats, demo, run_id
		FROM risk_score WHERE unit_code = $1 AND election_code = $2 AND phase_code = $3`, string(code), election, phase).
		Scan(&stored.Score, &stored.Category, &d[0], &d[1], &d[2], &d[3], &threats, &stored.TopThreats, &stored.Demo, &runID)
	if errors.Is(err, pgx.ErrNoRows) {
		e.Method = "not scored yet in this phase"
		return e, tx.Commit(ctx)
	}
	if err != nil {
		return nil, err
	}
	if stored.Run, err = scanRun(tx.QueryRow(ctx, `SELECT `+runColumns+` FROM scoring_run WHERE id = $1`, runID)); err != nil {
		return nil, err
	}
	if stored.Run.Model == nil {
		return nil, fmt.Errorf("scoring run %d of %s holds no model", runID, code)
	}
	model := *stored.Run.Model
	stored.Thresholds = model.Thresholds[l]
	stored.Dimensions = map[string]float64{}
	for i, dim := range geo.Dimensions {
		stored.Dimensions[dim.String()] = d[i]
	}
	names, err := nameTable(ctx, tx, `SELECT code, name FROM threat`)
	if err != nil {
		return nil, err
	}
	for t, points := range threats {
		stored.Threats = append(stored.Threats, ThreatShare{Threat: t, Name: names[t], Points: points})
	}
	sort.Slice(stored.Threats, func(i, j int) bool {
		a, b := stored.Threats[i], stored.Threats[j]
		return a.Points > b.Points || a.Points == b.Points && a.Threat < b.Threat
	})
	e.Score = &stored
	if l != geo.Desa {
		e.Method = "TPS-weighted mean of the scores of every desa/kelurahan in the unit (desa without TPS count weigh 0; if all weigh 0, the plain mean); dimension scores and threat shares likewise; category by this level's thresholds"
		e.Components, err = components(ctx, tx, code, election, phase)
		if err != nil {
			return nil, err
		}
		return e, tx.Commit(ctx)
	}
	e.Method = "indicator values normalized to 0..1 (per TPS where the indicator says so, then min-max over [ref_min, ref_max], capped, flipped when lower is riskier; missing = 0); dimension = 100 x weighted mean of its indicators; composite = weighted mean of the dimensions; category by the desa thresholds"
	in, err := readInputs(ctx, tx, election, phase, scope{desa: []geo.Code{code},
		untilObservation: *stored.Run.LastObservation, untilIncident: *stored.Run.LastIncident})
	if err != nil {
		return nil, err
	}
	result := model.ScoreDesa(*in.inputs[code])
	if e.Dimensions, err = explainDimensions(ctx, tx, model, result, code, stored.Run); err != nil {
		return nil, err
	}
	return e, tx.Commit(ctx)
}

// explainDimensions groups a desa's indicator scores by dimension and attaches the inputs behind each.
func explainDimensions(ctx context.Context, tx pgx.Tx, model geo.Model, result geo.Result, code geo.Code, run Run) ([]ExplainedDimension, error) {
	rows, err := tx.Query(ctx, `SELECT `+observationColumns+` FROM observation
		WHERE unit_code = $1 AND election_code = $2 AND phase_code = $3 AND id <= $4
		ORDER BY indicator_code, tps_number NULLS FIRST, observed_at DESC, id DESC`, string(code), run.Election, run.Phase, *run.LastObservation)
	if err != nil {
		return nil, err
	}
	observations, err := pgx.CollectRows(rows, scanObservation)
	if err != nil {
		return nil, err
	}
	byIndicator := map[string][]ExplainedObservation{}
	type slot struct {
		indicator string
		tps       int
	}
	seen := map[slot]bool{} // the latest observation of each slot comes first
	for _, o := range observations {
		key := slot{indicator: o.Indicator}
		if o.TPS != nil {
			key.tps = *o.TPS
		}
		byIndicator[o.Indicator] = append(byIndicator[o.Indicator], ExplainedObservation{Observation: o, Used: !seen[key]})
		seen[key] = true
	}
	rows, err = tx.Query(ctx, `SELECT id, type, occurred_at, description, source FROM incident
		WHERE unit_code = $1 AND election_code = $2 AND phase_code = $3 AND id <= $4 ORDER BY occurred_at, id`,
		string(code), run.Election, run.Phase, *run.LastIncident)
	if err != nil {
		return nil, err
	}
	incidents, err := pgx.CollectRows(rows, pgx.RowToStructByPos[IncidentRef])
	if err != nil {
		return nil, err
	}
	names, err := nameTable(ctx, tx, `SELECT code, name FROM indicator`)
	if err != nil {
		return nil, err
	}
	dimNames, err := nameTable(ctx, tx, `SELECT code, name FROM dimension`)
	if err != nil {
		return nil, err
	}
	dims := make([]ExplainedDimension, len(geo.Dimensions))
	for i, dim := range geo.Dimensions {
		dims[i] = ExplainedDimension{Code: dim.String(), Name: dimNames[dim.String()], Weight: model.DimensionWeights[i], Score: result.Score.Dimensions[i]}
	}
	for i, ind := range model.Indicators {
		score := result.Indicators[i]
		// Four decimals: enough to add up to the two-decimal score, short enough to read.
		score.Value, score.Normalized, score.Points = round4(score.Value), round4(score.Normalized), round4(score.Points)
		x := ExplainedIndicator{IndicatorScore: score, Name: names[ind.Code], Threat: ind.Threat, Unit: ind.Unit,
			ValueType: ind.ValueType, Direction: ind.Direction, Normalization: ind.Normalization, RefMin: ind.RefMin, RefMax: ind.RefMax,
			Observations: byIndicator[ind.Code]}
		for _, n := range incidents {
			if ind.IncidentType != "" && n.Type == ind.IncidentType {
				x.Incidents = append(x.Incidents, n)
			}
		}
		dims[ind.Dimension].Indicators = append(dims[ind.Dimension].Indicators, x)
	}
	return dims, nil
}

// components lists the units one level below code with their scores.
func components(ctx context.Context, tx pgx.Tx, code geo.Code, election, phase string) ([]ComponentScore, error) {
	rows, err := tx.Query(ctx, `
		SELECT u.code, u.name, coalesce(u.tps_count, 0), r.score::float8, r.category
		FROM admin_unit u LEFT JOIN risk_score r ON r.unit_code = u.code AND r.election_code = $2 AND r.phase_code = $3
		WHERE u.parent_code = $1 ORDER BY u.code`, string(code), election, phase)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[ComponentScore])
}

// phaseHistory lists a unit's composite in every phase of the election.
func phaseHistory(ctx context.Context, tx pgx.Tx, code geo.Code, election string) ([]PhaseScore, error) {
	rows, err := tx.Query(ctx, `
		SELECT p.code, p.name, p.starts_on::text, p.ends_on::text, r.score::float8, r.category, r.demo
		FROM election_phase p LEFT JOIN risk_score r ON r.unit_code = $1 AND r.election_code = p.election_code AND r.phase_code = p.code
		WHERE p.election_code = $2 ORDER BY p.seq`, string(code), election)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[PhaseScore])
}

// nameTable reads a code -> name query.
func nameTable(ctx context.Context, tx pgx.Tx, sql string) (map[string]string, error) {
	rows, err := tx.Query(ctx, sql)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	var code, name string
	_, err = pgx.ForEachRow(rows, []any{&code, &name}, func() error { out[code] = name; return nil })
	return out, err
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }
