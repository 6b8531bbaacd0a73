package geo

import (
	"fmt"
	"math"
	"sort"
)

// IndicatorUnit is what an indicator is observed on.
type IndicatorUnit string

const (
	UnitDesa IndicatorUnit = "desa" // one value per desa
	UnitTPS  IndicatorUnit = "tps"  // one yes/no per polling station of the desa
)

// ValueType is the kind of value an indicator takes.
type ValueType string

const (
	Binary ValueType = "binary" // 0 or 1: happened or not
	Count  ValueType = "count"  // a whole number of cases
	Rate   ValueType = "rate"   // a non-negative fraction or rate
)

// Normalization turns a raw value into a comparable one before scaling.
type Normalization string

const (
	NoNormalization Normalization = "none"
	PerTPS          Normalization = "per_tps" // divided by the desa's TPS count
)

// Indicator is one measured signal of risk (see migrations/00004_catalogue.sql).
type Indicator struct {
	Code          string        `json:"code"`
	Dimension     Dimension     `json:"dimension"`
	Threat        string        `json:"threat"`
	Unit          IndicatorUnit `json:"unit"`
	ValueType     ValueType     `json:"value_type"`
	Direction     int           `json:"direction"` // 1: higher is riskier; -1: lower is riskier
	Normalization Normalization `json:"normalization"`
	// RefMin and RefMax bound the min-max scaling; values outside are capped.
	RefMin float64 `json:"ref_min"`
	RefMax float64 `json:"ref_max"`
	Weight float64 `json:"weight"`
	// PhaseWeights replace Weight in the phases they name.
	PhaseWeights map[string]float64 `json:"phase_weights,omitempty"`
	// IncidentType, when set, makes the raw value the count of incidents of this type.
	IncidentType string `json:"incident_type,omitempty"`
}

// WeightIn is the indicator's weight in the named phase.
func (ind Indicator) WeightIn(phase string) float64 {
	if w, ok := ind.PhaseWeights[phase]; ok {
		return w
	}
	return ind.Weight
}

// CheckValue tells why v cannot be an observed value of the indicator, or nil.
func (ind Indicator) CheckValue(v float64) error {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return fmt.Errorf("value must be a finite number")
	case v < 0:
		return fmt.Errorf("value %v is negative", v)
	case ind.ValueType == Binary && v != 0 && v != 1:
		return fmt.Errorf("indicator %s is binary: value must be 0 or 1, not %v", ind.Code, v)
	case ind.ValueType == Count && v != math.Trunc(v):
		return fmt.Errorf("indicator %s is a count: value must be a whole number, not %v", ind.Code, v)
	case v > 1e9:
		return fmt.Errorf("value %v is implausibly large", v)
	}
	return nil
}

// Model is everything a scoring run needs besides the observations: the
// catalogue, the dimension weights and the category thresholds. A run stores
// its model, so its scores can be reproduced.
type Model struct {
	Phase            string               `json:"phase"`
	Indicators       []Indicator          `json:"indicators"`
	DimensionWeights DimensionWeights     `json:"dimension_weights"`
	Thresholds       map[Level]Thresholds `json:"thresholds"`
}

// DesaInput is what was observed in one desa during the model's phase.
type DesaInput struct {
	Code     Code
	TPSCount int
	// Raw holds each observed indicator's raw value: the latest observation of
	// a desa indicator, the number of TPS flagged for a TPS indicator, the
	// number of incidents for an incident indicator. A missing indicator
	// counts as 0 (nothing reported).
	Raw map[string]float64
}

// IndicatorScore is how one indicator moved a desa's score.
type IndicatorScore struct {
	Indicator string  `json:"indicator"`
	Observed  bool    `json:"observed"`
	Raw       float64 `json:"raw"`
	// Value is Raw after normalization (per TPS).
	Value float64 `json:"value"`
	// Normalized is Value scaled to 0..1 (min-max, capped, flipped for direction -1); 0 when not observed.
	Normalized float64 `json:"normalized"`
	Weight     float64 `json:"weight"`
	// Points is the indicator's share of the composite, in score points.
	Points float64 `json:"points"`
}

// Result is a unit's score with its category and the threats behind it.
type Result struct {
	Score    Score
	Category Category
	// Threats holds each threat's share of the composite in points (only shares > 0).
	Threats map[string]float64
	// Indicators explain a desa's score (nil for aggregated units).
	Indicators []IndicatorScore
}

// ScoreDesa scores one desa:
//
//	normalized_i = clamp((value_i - ref_min) / (ref_max - ref_min), 0, 1), flipped (1 - x) for direction -1
//	dimension_d  = 100 * sum(w_i * normalized_i) / sum(w_i)      over the indicators of d
//	composite    = sum(W_d * dimension_d) / sum(W_d)            W = the dimension weights
//
// with w_i the indicator's weight in the phase. Scores are rounded to two
// decimals after the composite is taken, and the category comes from the
// rounded composite, so it agrees with what users see.
func (m Model) ScoreDesa(in DesaInput) Result {
	var dimWeight [4]float64 // sum of indicator weights per dimension
	for _, ind := range m.Indicators {
		dimWeight[ind.Dimension] += ind.WeightIn(m.Phase)
	}
	var dimTotal float64
	for _, w := range m.DimensionWeights {
		dimTotal += w
	}
	var dims [4]float64
	res := Result{Threats: map[string]float64{}, Indicators: make([]IndicatorScore, 0, len(m.Indicators))}
	for _, ind := range m.Indicators {
		is := IndicatorScore{Indicator: ind.Code, Weight: ind.WeightIn(m.Phase)}
		is.Raw, is.Observed = in.Raw[ind.Code]
		is.Value = is.Raw
		if ind.Normalization == PerTPS {
			is.Value = is.Raw / float64(max(in.TPSCount, 1))
		}
		if is.Observed {
			is.Normalized = math.Min(1, math.Max(0, (is.Value-ind.RefMin)/(ind.RefMax-ind.RefMin)))
			if ind.Direction < 0 {
				is.Normalized = 1 - is.Normalized
			}
		}
		if dimWeight[ind.Dimension] > 0 {
			share := 100 * is.Weight * is.Normalized / dimWeight[ind.Dimension]
			dims[ind.Dimension] += share
			if dimTotal > 0 {
				is.Points = share * m.DimensionWeights[ind.Dimension] / dimTotal
			}
		}
		if is.Points > 0 {
			res.Threats[ind.Threat] += is.Points
		}
		res.Indicators = append(res.Indicators, is)
	}
	var composite float64
	for d, v := range dims {
		res.Score.Dimensions[d] = round2(v)
		if dimTotal > 0 {
			composite += m.DimensionWeights[d] * v / dimTotal
		}
	}
	res.Score.Composite = round2(composite)
	res.Category = m.Thresholds[Desa].Categorize(res.Score.Composite)
	roundThreats(res.Threats)
	return res
}

// Weighted is a desa's result with the weight it carries when units are aggregated.
type Weighted struct {
	Result Result
	Weight float64
}

// AggregateUp scores every enclosing unit (kecamatan, kabupaten, provinsi) of
// the given desa as the weighted mean of its desa, for the composite, each
// dimension and each threat share (weights are TPS counts in petarawan). A
// unit whose desa all weigh 0 takes the plain mean. Categories use the
// thresholds of the unit's level.
func (m Model) AggregateUp(desa map[Code]Weighted) map[Code]Result {
	type sum struct {
		weighted, plain    Score
		wThreats, pThreats map[string]float64
		weight             float64
		n                  int
	}
	// Summed in code order: float addition depends on order, and the same
	// inputs must give the same scores to the last decimal.
	codes := make([]Code, 0, len(desa))
	for code := range desa {
		codes = append(codes, code)
	}
	sort.Slice(codes, func(i, j int) bool { return codes[i] < codes[j] })
	sums := map[Code]*sum{}
	for _, code := range codes {
		w := desa[code]
		for l := Kecamatan; l >= Provinsi; l-- {
			a := code.Ancestor(l)
			s := sums[a]
			if s == nil {
				s = &sum{wThreats: map[string]float64{}, pThreats: map[string]float64{}}
				sums[a] = s
			}
			s.weight += w.Weight
			s.n++
			s.weighted.Composite += w.Weight * w.Result.Score.Composite
			s.plain.Composite += w.Result.Score.Composite
			for i, v := range w.Result.Score.Dimensions {
				s.weighted.Dimensions[i] += w.Weight * v
				s.plain.Dimensions[i] += v
			}
			for t, v := range w.Result.Threats {
				s.wThreats[t] += w.Weight * v
				s.pThreats[t] += v
			}
		}
	}
	out := make(map[Code]Result, len(sums))
	for code, s := range sums {
		total, threats, div := s.weighted, s.wThreats, s.weight
		if div == 0 {
			total, threats, div = s.plain, s.pThreats, float64(s.n)
		}
		r := Result{Threats: map[string]float64{}}
		r.Score.Composite = round2(total.Composite / div)
		for i := range r.Score.Dimensions {
			r.Score.Dimensions[i] = round2(total.Dimensions[i] / div)
		}
		for t, v := range threats {
			r.Threats[t] = v / div
		}
		roundThreats(r.Threats)
		r.Category = m.Thresholds[code.Level()].Categorize(r.Score.Composite)
		out[code] = r
	}
	return out
}

// roundThreats rounds threat shares to two decimals and drops those that round to 0.
func roundThreats(threats map[string]float64) {
	for t, v := range threats {
		if r := round2(v); r > 0 {
			threats[t] = r
		} else {
			delete(threats, t)
		}
	}
}

// TopThreatCount is how many threats a feature names.
const TopThreatCount = 3

// TopThreats lists the threats with the largest shares, largest first (ties by code), at most TopThreatCount.
func TopThreats(threats map[string]float64) []string {
	top := make([]string, 0, len(threats))
	for t := range threats {
		top = append(top, t)
	}
	sort.Slice(top, func(i, j int) bool {
		if threats[top[i]] != threats[top[j]] {
			return threats[top[i]] > threats[top[j]]
		}
		return top[i] < top[j]
	})
	return top[:min(len(top), TopThreatCount)]
}
