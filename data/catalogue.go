package data

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/petarawan/petarawan/geo"
)

// CatalogueIndicator is an indicator of the catalogue as analysts and admins see it.
type CatalogueIndicator struct {
	Code          string            `json:"code"`
	Name          string            `json:"name"`
	Description   string            `json:"description"`
	Dimension     string            `json:"dimension"`
	Threat        string            `json:"threat"`
	Unit          geo.IndicatorUnit `json:"unit"`
	ValueType     geo.ValueType     `json:"value_type"`
	Direction     int               `json:"direction"`
	Normalization geo.Normalization `json:"normalization"`
	RefMin        float64           `json:"ref_min"`
	RefMax        float64           `json:"ref_max"`
	Weight        float64           `json:"weight"`
	// PhaseWeights replace Weight in the phases they name.
	PhaseWeights map[string]float64 `json:"phase_weights"`
	// IncidentType, when set, makes the indicator count incidents of this type.
	IncidentType *string `json:"incident_type"`
}

// Threat is a type of threat an indicator measures.
type Threat struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// IncidentType is a type of incident report, with the threat it is and the indicator that counts it.
type IncidentType struct {
	Code      string  `json:"code"`
	Name      string  `json:"name"`
	Threat    string  `json:"threat"`
	Indicator *string `json:"indicator"`
}

// DimensionWeight is an IKP dimension with its weight in the composite.
type DimensionWeight struct {
	Code   string  `json:"code"`
	Name   string  `json:"name"`
	Weight float64 `json:"weight"`
}

// LevelThresholds are the category thresholds of one level.
type LevelThresholds struct {
	Level  string  `json:"level"`
	Sedang float64 `json:"sedang"`
	Tinggi float64 `json:"tinggi"`
}

const indicatorColumns = `i.code, i.name, i.description, i.dimension, i.threat, i.unit, i.value_type, i.direction,
	i.normalization, i.ref_min::float8, i.ref_max::float8, i.weight::float8, i.incident_type,
	coalesce((SELECT jsonb_object_agg(w.phase_code, w.weight::float8) FROM indicator_phase_weight w
	          WHERE w.indicator_code = i.code), '{}')`

func scanIndicator(r pgx.Row) (CatalogueIndicator, error) {
	var ind CatalogueIndicator
	err := r.Scan(&ind.Code, &ind.Name, &ind.Description, &ind.Dimension, &ind.Threat, &ind.Unit, &ind.ValueType,
		&ind.Direction, &ind.Normalization, &ind.RefMin, &ind.RefMax, &ind.Weight, &ind.IncidentType, &ind.PhaseWeights)
	return ind, err
}

func collectIndicators(rows pgx.Rows) ([]CatalogueIndicator, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (CatalogueIndicator, error) { return scanIndicator(r) })
}

// model is the indicator as the scoring model takes it.
func (c CatalogueIndicator) model() (geo.Indicator, error) {
	ind := geo.Indicator{Code: c.Code, Threat: c.Threat, Unit: c.Unit, ValueType: c.ValueType, Direction: c.Direction,
		Normalization: c.Normalization, RefMin: c.RefMin, RefMax: c.RefMax, Weight: c.Weight}
	if err := ind.Dimension.UnmarshalText([]byte(c.Dimension)); err != nil {
		return ind, fmt.Errorf("indicator %s: %w", c.Code, err)
	}
	if len(c.PhaseWeights) > 0 {
		ind.PhaseWeights = c.PhaseWeights
	}
	if c.IncidentType != nil {
		ind.IncidentType = *c.IncidentType
	}
	return ind, nil
}

// Indicators lists the catalogue, dimension by dimension.
func (s *Store) Indicators(ctx context.Context) ([]CatalogueIndicator, error) {
	rows, err := s.read.Query(ctx, `SELECT `+indicatorColumns+`
		FROM indicator i JOIN dimension d ON d.code = i.dimension ORDER BY d.seq, i.code`)
	if err != nil {
		return nil, err
	}
	return collectIndicators(rows)
}

// Indicator reads one indicator of the catalogue.
func (s *Store) Indicator(ctx context.Context, code string) (CatalogueIndicator, error) {
	return readIndicator(ctx, s.read, code, "")
}

// readIndicator reads one indicator; lock, when set, is a locking clause such as FOR UPDATE.
func readIndicator(ctx context.Context, q querier, code, lock string) (CatalogueIndicator, error) {
	ind, err := scanIndicator(q.QueryRow(ctx, `SELECT `+indicatorColumns+` FROM indicator i WHERE i.code = $1 `+lock, code))
	if errors.Is(err, pgx.ErrNoRows) {
		return ind, fmt.Errorf("no indicator %q: %w", code, ErrNotFound)
	}
	return ind, err
}

// Threats lists the threat types.
func (s *Store) Threats(ctx context.Context) ([]Threat, error) {
	rows, err := s.read.Query(ctx, `SELECT code, name FROM threat ORDER BY code`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Threat])
}

// IncidentTypes lists the types of incident reports.
func (s *Store) IncidentTypes(ctx context.Context) ([]IncidentType, error) {
	rows, err := s.read.Query(ctx, `
		SELECT t.code, t.name, t.threat, i.code FROM incident_type t LEFT JOIN indicator i ON i.incident_type = t.code
		ORDER BY t.code`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[IncidentType])
}

// Dimensions lists the IKP dimensions with their weights, in Bawaslu's order.
func (s *Store) Dimensions(ctx context.Context) ([]DimensionWeight, error) {
	rows, err := s.read.Query(ctx, `SELECT code, name, weight::float8 FROM dimension ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[DimensionWeight])
}

// Thresholds lists the category thresholds of every level, from provinsi down.
func (s *Store) Thresholds(ctx context.Context) ([]LevelThresholds, error) {
	rows, err := s.read.Query(ctx, `SELECT level, sedang::float8, tinggi::float8 FROM category_threshold ORDER BY level`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (LevelThresholds, error) {
		var level int16
		var t LevelThresholds
		err := r.Scan(&level, &t.Sedang, &t.Tinggi)
		t.Level = geo.Level(level).String()
		return t, err
	})
}

// IndicatorChange is an admin's change of an indicator: nil fields stay as they are.
type IndicatorChange struct {
	Name        *string  `json:"name"`
	Description *string  `json:"description"`
	Weight      *float64 `json:"weight"`
	// PhaseWeights replaces the set of phase weights; an empty object removes them all.
	PhaseWeights *map[string]float64 `json:"phase_weights"`
	RefMin       *float64            `json:"ref_min"`
	RefMax       *float64            `json:"ref_max"`
	Direction    *int                `json:"direction"`
}

// NewIndicator is an indicator an admin adds to the catalogue. Indicators
// that count incidents come with their incident type, by migration.
type NewIndicator struct {
	Code          string             `json:"code"`
	Name          string             `json:"name"`
	Description   string             `json:"description"`
	Dimension     string             `json:"dimension"`
	Threat        string             `json:"threat"`
	Unit          geo.IndicatorUnit  `json:"unit"`
	ValueType     geo.ValueType      `json:"value_type"`
	Direction     *int               `json:"direction"`     // default 1
	Normalization geo.Normalization  `json:"normalization"` // default none
	RefMin        *float64           `json:"ref_min"`       // default 0
	RefMax        *float64           `json:"ref_max"`       // default 1
	Weight        *float64           `json:"weight"`
	PhaseWeights  map[string]float64 `json:"phase_weights"`
	IncidentType  *string            `json:"incident_type"`
}

var indicatorCodePattern = regexp.MustCompile(`^[a-z0-9_]{1,64}$`)

// inputProblems collects the reasons a write is refused.
type inputProblems []geo.InputProblem

func (p *inputProblems) add(field, format string, a ...any) {
	*p = append(*p, geo.InputProblem{Field: field, Reason: fmt.Sprintf(format, a...)})
}

// err is the collected problems as an *InvalidInput, or nil when there are none.
func (p inputProblems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &InvalidInput{Problems: p}
}

func (p *inputProblems) checkWeight(field string, w float64) {
	if math.IsNaN(w) || math.IsInf(w, 0) || w < 0 {
		p.add(field, "a weight is a finite number of at least 0, not %v", w)
	}
}

func (p *inputProblems) checkName(name string) {
	if strings.TrimSpace(name) == "" {
		p.add("name", "the name must not be empty")
	}
}

// checkIndicatorShape checks the fields every indicator must get right,
// after a change as at creation.
func (p *inputProblems) checkIndicatorShape(ind CatalogueIndicator, phases []string) {
	p.checkWeight("weight", ind.Weight)
	for _, phase := range slices.Sorted(maps.Keys(ind.PhaseWeights)) {
		if !slices.Contains(phases, phase) {
			p.add("phase_weights."+phase, "no election has a phase %q; phases: %s", phase, strings.Join(phases, ", "))
		}
		p.checkWeight("phase_weights."+phase, ind.PhaseWeights[phase])
	}
	for _, f := range []struct {
		name  string
		value float64
	}{{"ref_min", ind.RefMin}, {"ref_max", ind.RefMax}} {
		if math.IsNaN(f.value) || math.IsInf(f.value, 0) {
			p.add(f.name, "must be a finite number")
		}
	}
	if !(ind.RefMax > ind.RefMin) {
		p.add("ref_max", "ref_max (%v) must be greater than ref_min (%v)", ind.RefMax, ind.RefMin)
	}
	if ind.Direction != 1 && ind.Direction != -1 {
		p.add("direction", "direction is 1 (a higher value is riskier) or -1 (a lower value is riskier), not %d", ind.Direction)
	}
}

// phaseCodes lists the codes of the phases of every election.
func phaseCodes(ctx context.Context, q querier) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT DISTINCT code FROM election_phase ORDER BY code`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// changeModel runs change, a change of the scoring model (catalogue, weights,
// thresholds), in one transaction that also queues the full runs applying it
// (queueFullScoring), and returns those runs (change gets them too, for its
// audit entry). The worker is woken once the change has committed.
func (s *Store) changeModel(ctx context.Context, by Actor, change func(tx pgx.Tx, runs []Run) error) ([]Run, error) {
	var runs []Run
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if runs, err = s.queueFullScoring(ctx, tx, by); err != nil {
			return err
		}
		return change(tx, runs)
	})
	if err != nil {
		return nil, err
	}
	s.wakeScoring()
	return runs, nil
}

// UpdateIndicator changes an indicator of the catalogue and queues the full
// runs that rescore every phase with it.
func (s *Store) UpdateIndicator(ctx context.Context, by Actor, code string, ch IndicatorChange) (CatalogueIndicator, []Run, error) {
	var after CatalogueIndicator
	runs, err := s.changeModel(ctx, by, func(tx pgx.Tx, _ []Run) error {
		before, err := readIndicator(ctx, tx, code, "FOR UPDATE")
		if err != nil {
			return err
		}
		phases, err := phaseCodes(ctx, tx)
		if err != nil {
			return err
		}
		after = before
		var problems inputProblems
		if ch == (IndicatorChange{}) {
			problems.add("", "nothing to change: give at least one of name, description, weight, phase_weights, ref_min, ref_max, direction")
		}
		if ch.Name != nil {
			after.Name = strings.TrimSpace(*ch.Name)
			problems.checkName(after.Name)
		}
		setIf(&after.Description, ch.Description)
		setIf(&after.Weight, ch.Weight)
		setIf(&after.RefMin, ch.RefMin)
		setIf(&after.RefMax, ch.RefMax)
		setIf(&after.Direction, ch.Direction)
		if ch.PhaseWeights != nil {
			after.PhaseWeights = *ch.PhaseWeights
			if after.PhaseWeights == nil {
				after.PhaseWeights = map[string]float64{}
			}
		}
		problems.checkIndicatorShape(after, phases)
		if err := problems.err(); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
			UPDATE indicator SET name = $2, description = $3, weight = $4, ref_min = $5, ref_max = $6, direction = $7
			WHERE code = $1`, code, after.Name, after.Description, after.Weight, after.RefMin, after.RefMax, after.Direction)
		if err != nil {
			return err
		}
		if err := writePhaseWeights(ctx, tx, code, after.PhaseWeights); err != nil {
			return err
		}
		return audit(ctx, tx, by, "indicator.update", "indicator/"+code, before, after)
	})
	return after, runs, err
}

func setIf[T any](field *T, v *T) {
	if v != nil {
		*field = *v
	}
}

// writePhaseWeights replaces the phase weights of an indicator.
func writePhaseWeights(ctx context.Context, tx pgx.Tx, code string, weights map[string]float64) error {
	if _, err := tx.Exec(ctx, `DELETE FROM indicator_phase_weight WHERE indicator_code = $1`, code); err != nil {
		return err
	}
	phases := slices.Sorted(maps.Keys(weights))
	values := make([]float64, len(phases))
	for i, p := range phases {
		values[i] = weights[p]
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO indicator_phase_weight (indicator_code, phase_code, weight)
		SELECT $1, p, w FROM unnest($2::text[], $3::float8[]) AS x (p, w)`, code, phases, values)
	return err
}

// CreateIndicator adds an indicator to the catalogue and queues the full runs
// that rescore every phase with it.
func (s *Store) CreateIndicator(ctx context.Context, by Actor, in NewIndicator) (CatalogueIndicator, []Run, error) {
	ind := CatalogueIndicator{
		Code: in.Code, Name: strings.TrimSpace(in.Name), Description: in.Description, Dimension: in.Dimension,
		Threat: in.Threat, Unit: in.Unit, ValueType: in.ValueType, Direction: 1, Normalization: in.Normalization,
		RefMin: 0, RefMax: 1, PhaseWeights: in.PhaseWeights,
	}
	setIf(&ind.Direction, in.Direction)
	setIf(&ind.RefMin, in.RefMin)
	setIf(&ind.RefMax, in.RefMax)
	setIf(&ind.Weight, in.Weight)
	if ind.Normalization == "" {
		ind.Normalization = geo.NoNormalization
	}
	if ind.PhaseWeights == nil {
		ind.PhaseWeights = map[string]float64{}
	}
	runs, err := s.changeModel(ctx, by, func(tx pgx.Tx, _ []Run) error {
		phases, err := phaseCodes(ctx, tx)
		if err != nil {
			return err
		}
		var exists, threatKnown bool
		err = tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM indicator WHERE code = $1), EXISTS (SELECT FROM threat WHERE code = $2)`,
			in.Code, in.Threat).Scan(&exists, &threatKnown)
		if err != nil {
			return err
		}
		var problems inputProblems
		switch {
		case !indicatorCodePattern.MatchString(in.Code):
			problems.add("code", "an indicator code is 1-64 lower-case letters, digits or _, not %q", in.Code)
		case exists:
			problems.add("code", "an indicator %q exists already; change it with PUT", in.Code)
		}
		problems.checkName(ind.Name)
		if _, ok := geo.ParseDimension(in.Dimension); !ok {
			problems.add("dimension", "%q is not one of social_political, administration, contestation, participation", in.Dimension)
		}
		if !threatKnown {
			problems.add("threat", "no threat %q (GET /threats lists them)", in.Threat)
		}
		if in.Unit != geo.UnitDesa && in.Unit != geo.UnitTPS {
			problems.add("unit", "%q is not one of desa, tps", in.Unit)
		}
		switch in.ValueType {
		case geo.Binary, geo.Count, geo.Rate:
			if in.Unit == geo.UnitTPS && in.ValueType != geo.Binary {
				problems.add("value_type", "a TPS indicator is binary (flagged or not), not %s", in.ValueType)
			}
		default:
			problems.add("value_type", "%q is not one of binary, count, rate", in.ValueType)
		}
		if ind.Normalization != geo.NoNormalization && ind.Normalization != geo.PerTPS {
			problems.add("normalization", "%q is not one of none, per_tps", ind.Normalization)
		}
		if in.Weight == nil {
			problems.add("weight", "the weight is required")
		}
		if in.IncidentType != nil {
			problems.add("incident_type", "indicators that count incidents come with their incident type, by migration; leave incident_type out")
		}
		problems.checkIndicatorShape(ind, phases)
		if err := problems.err(); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO indicator (code, name, description, dimension, threat, unit, value_type, direction, normalization, ref_min, ref_max, weight)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			ind.Code, ind.Name, ind.Description, ind.Dimension, ind.Threat, string(ind.Unit), string(ind.ValueType),
			ind.Direction, string(ind.Normalization), ind.RefMin, ind.RefMax, ind.Weight)
		if err != nil {
			return err
		}
		if err := writePhaseWeights(ctx, tx, ind.Code, ind.PhaseWeights); err != nil {
			return err
		}
		return audit(ctx, tx, by, "indicator.create", "indicator/"+ind.Code, nil, ind)
	})
	return ind, runs, err
}

// SetDimensionWeight changes the weight of an IKP dimension in the composite
// and queues the full runs that rescore every phase with it. At least one
// dimension keeps a weight above 0.
func (s *Store) SetDimensionWeight(ctx context.Context, by Actor, code string, weight float64) (DimensionWeight, []Run, error) {
	var after DimensionWeight
	runs, err := s.changeModel(ctx, by, func(tx pgx.Tx, _ []Run) error {
		var before DimensionWeight
		var others float64
		err := tx.QueryRow(ctx, `
			SELECT code, name, weight::float8, (SELECT coalesce(sum(weight), 0)::float8 FROM dimension WHERE code <> $1)
			FROM dimension WHERE code = $1 FOR UPDATE`, code).Scan(&before.Code, &before.Name, &before.Weight, &others)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("no dimension %q (dimensions: social_political, administration, contestation, participation): %w", code, ErrNotFound)
		}
		if err != nil {
			return err
		}
		var problems inputProblems
		problems.checkWeight("weight", weight)
		if weight == 0 && others == 0 {
			problems.add("weight", "every other dimension weighs 0: at least one dimension must weigh more than 0")
		}
		if err := problems.err(); err != nil {
			return err
		}
		after = before
		after.Weight = weight
		if _, err := tx.Exec(ctx, `UPDATE dimension SET weight = $2 WHERE code = $1`, code, weight); err != nil {
			return err
		}
		return audit(ctx, tx, by, "dimension.update", "dimension/"+code, before, after)
	})
	return after, runs, err
}

// SetThresholds changes the category thresholds of a level and queues the
// full runs that rescore every phase with them: 0 < sedang < tinggi <= 100,
// each with at most two decimals.
func (s *Store) SetThresholds(ctx context.Context, by Actor, level geo.Level, sedang, tinggi float64) (LevelThresholds, []Run, error) {
	if level.String() == "" {
		return LevelThresholds{}, nil, fmt.Errorf("no level %d: %w", level, ErrNotFound)
	}
	after := LevelThresholds{Level: level.String(), Sedang: sedang, Tinggi: tinggi}
	runs, err := s.changeModel(ctx, by, func(tx pgx.Tx, _ []Run) error {
		var problems inputProblems
		for _, f := range []struct {
			name  string
			value float64
		}{{"sedang", sedang}, {"tinggi", tinggi}} {
			if v := f.value; math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 || v > 100 {
				problems.add(f.name, "a threshold is a score above 0 and at most 100, not %v", v)
			} else if math.Abs(v*100-math.Round(v*100)) > 1e-6 {
				problems.add(f.name, "scores have two decimals; %v has more", v)
			}
		}
		if len(problems) == 0 && !(sedang < tinggi) {
			problems.add("tinggi", "tinggi (%v) must be above sedang (%v)", tinggi, sedang)
		}
		if err := problems.err(); err != nil {
			return err
		}
		before := LevelThresholds{Level: level.String()}
		err := tx.QueryRow(ctx, `SELECT sedang::float8, tinggi::float8 FROM category_threshold WHERE level = $1 FOR UPDATE`, int16(level)).
			Scan(&before.Sedang, &before.Tinggi)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE category_threshold SET sedang = $2, tinggi = $3 WHERE level = $1`, int16(level), sedang, tinggi); err != nil {
			return err
		}
		return audit(ctx, tx, by, "threshold.update", "threshold/"+level.String(), before, after)
	})
	return after, runs, err
}

// QueueScoring queues a full rescoring of every phase, as after a change of the model.
func (s *Store) QueueScoring(ctx context.Context, by Actor) ([]Run, error) {
	return s.changeModel(ctx, by, func(tx pgx.Tx, runs []Run) error {
		ids := make([]int64, len(runs))
		for i, r := range runs {
			ids[i] = r.ID
		}
		return audit(ctx, tx, by, "scoring.queue", "scoring", nil, map[string]any{"runs": ids})
	})
}
