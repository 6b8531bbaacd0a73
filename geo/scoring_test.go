package geo

import (
	"encoding/json"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
)

// Every expected number below is worked out by hand from the formulas
// documented on Model.ScoreDesa and Model.AggregateUp; the arithmetic is in
// the comments next to it.

// scoringTolerance bounds the float error allowed on unrounded values
// (Normalized, Points). Rounded values (scores, threat shares) are compared
// exactly: round2 returns n/100 for a whole n, which is the same float as the
// two-decimal literal.
const scoringTolerance = 1e-9

func scoringNear(got, want float64) bool { return math.Abs(got-want) <= scoringTolerance }

// shippedThresholds are the category thresholds of migrations/00004_catalogue.sql
// (Bawaslu IKP 2024, DOMAIN.md), written out here.
func shippedThresholds() map[Level]Thresholds {
	return map[Level]Thresholds{
		Provinsi:  {Sedang: 21.70, Tinggi: 68.50},
		Kabupaten: {Sedang: 13.47, Tinggi: 49.33},
		Kecamatan: {Sedang: 13.47, Tinggi: 49.33},
		Desa:      {Sedang: 13.47, Tinggi: 49.33},
	}
}

// scoringCatalogue is a small catalogue modelled on the shipped one: two
// indicators in each of social_political, administration and contestation,
// one in participation.
func scoringCatalogue() []Indicator {
	return []Indicator{
		// social_political, weights 3 + 1 = 4
		{Code: "riwayat_konflik_massa", Dimension: SocialPolitical, Threat: "konflik_massa", Unit: UnitDesa,
			ValueType: Binary, Direction: 1, Normalization: NoNormalization, RefMin: 0, RefMax: 1, Weight: 3},
		{Code: "ujaran_kebencian", Dimension: SocialPolitical, Threat: "ujaran_kebencian", Unit: UnitDesa,
			ValueType: Count, Direction: 1, Normalization: NoNormalization, RefMin: 1, RefMax: 4, Weight: 1},
		// administration, weights 2 + 1 (2 + 3 in pemungutan_suara)
		{Code: "tps_dpt_bermasalah", Dimension: Administration, Threat: "daftar_pemilih", Unit: UnitTPS,
			ValueType: Binary, Direction: 1, Normalization: PerTPS, RefMin: 0, RefMax: 0.5, Weight: 2},
		{Code: "pelanggaran_penyelenggara", Dimension: Administration, Threat: "penyelenggara", Unit: UnitDesa,
			ValueType: Count, Direction: 1, Normalization: NoNormalization, RefMin: 0, RefMax: 3, Weight: 1,
			PhaseWeights: map[string]float64{"pemungutan_suara": 3}},
		// contestation, weights 3 + 2 (5 + 2 in kampanye)
		{Code: "insiden_bentrok_pendukung", Dimension: Contestation, Threat: "bentrok_pendukung", Unit: UnitDesa,
			ValueType: Count, Direction: 1, Normalization: NoNormalization, RefMin: 0, RefMax: 3, Weight: 3,
			PhaseWeights: map[string]float64{"kampanye": 5}, IncidentType: "bentrok_pendukung"},
		{Code: "kampanye_sara", Dimension: Contestation, Threat: "ujaran_kebencian", Unit: UnitDesa,
			ValueType: Count, Direction: 1, Normalization: NoNormalization, RefMin: 0, RefMax: 3, Weight: 2},
		// participation, weight 2; lower turnout is riskier
		{Code: "partisipasi_pemilu_lalu", Dimension: Participation, Threat: "partisipasi", Unit: UnitDesa,
			ValueType: Rate, Direction: -1, Normalization: NoNormalization, RefMin: 0.6, RefMax: 0.9, Weight: 2},
	}
}

type wantIndicatorScore struct {
	observed                               bool
	raw, value, normalized, weight, points float64
}

func TestScoreDesaExplainsTheScoreIndicatorByIndicator(t *testing.T) {
	cases := []struct {
		name  string
		model Model
		in    DesaInput
		// unrounded is the composite before rounding: the sum of the Points.
		unrounded      float64
		wantComposite  float64
		wantDimensions [4]float64
		wantCategory   Category
		wantThreats    map[string]float64
		wantIndicators map[string]wantIndicatorScore
	}{
		{
			// TPS 4. Raw: konflik 1, ujaran 6, dpt 1, pelanggaran missing,
			// bentrok 2, sara 3, partisipasi 0.75. Dimension weights 1,1,2,0.
			//
			// normalized: konflik (1-0)/(1-0) = 1
			//             ujaran (6-1)/(4-1) = 5/3, capped at 1
			//             dpt value 1/4 = 0.25, (0.25-0)/(0.5-0) = 0.5
			//             pelanggaran not observed = 0
			//             bentrok (2-0)/(3-0) = 2/3
			//             sara (3-0)/(3-0) = 1
			//             partisipasi 1 - (0.75-0.6)/(0.9-0.6) = 1 - 0.5 = 0.5
			// weights in kampanye: bentrok 5 (phase weight), pelanggaran 1 (its phase weight is for pemungutan_suara)
			// dimension social_political: 100*(3*1 + 1*1)/(3+1) = 100
			// dimension administration:   100*(2*0.5 + 1*0)/(2+1) = 100/3 = 33.33
			// dimension contestation:     100*(5*2/3 + 2*1)/(5+2) = 100*(16/3)/7 = 1600/21 = 76.19
			// dimension participation:    100*(2*0.5)/2 = 50
			// composite: (1*100 + 1*100/3 + 2*1600/21 + 0*50)/(1+1+2+0)
			//          = (2100/21 + 700/21 + 3200/21)/4 = (6000/21)/4 = 500/7 = 71.428571 -> 71.43, tinggi (>= 49.33)
			// points = 100*w_i*normalized_i/sum(w_d) * W_d/sum(W):
			//   konflik     100*3*1/4 * 1/4   = 18.75
			//   ujaran      100*1*1/4 * 1/4   = 6.25
			//   dpt         100*2*0.5/3 * 1/4 = 100/12 = 8.333333
			//   pelanggaran 0
			//   bentrok     100*5*(2/3)/7 * 2/4 = 500/21 = 23.809524
			//   sara        100*2*1/7 * 2/4     = 100/7  = 14.285714
			//   partisipasi 100*2*0.5/2 * 0/4   = 0
			//   sum 18.75 + 6.25 + 100/12 + 500/21 + 100/7 = 500/7
			// threats: ujaran_kebencian 6.25 + 100/7 = 20.535714 -> 20.54;
			//   penyelenggara and partisipasi have 0 points and are dropped.
			name: "busy kampanye desa is tinggi and names each indicator's points",
			model: Model{Phase: "kampanye", Indicators: scoringCatalogue(),
				DimensionWeights: [4]float64{1, 1, 2, 0}, Thresholds: shippedThresholds()},
			in: DesaInput{Code: "36.01.01.2001", TPSCount: 4, Raw: map[string]float64{
				"riwayat_konflik_massa": 1, "ujaran_kebencian": 6, "tps_dpt_bermasalah": 1,
				"insiden_bentrok_pendukung": 2, "kampanye_sara": 3, "partisipasi_pemilu_lalu": 0.75}},
			unrounded:      500.0 / 7,
			wantComposite:  71.43,
			wantDimensions: [4]float64{100, 33.33, 76.19, 50},
			wantCategory:   Tinggi,
			wantThreats: map[string]float64{"konflik_massa": 18.75, "ujaran_kebencian": 20.54,
				"daftar_pemilih": 8.33, "bentrok_pendukung": 23.81},
			wantIndicators: map[string]wantIndicatorScore{
				"riwayat_konflik_massa":     {observed: true, raw: 1, value: 1, normalized: 1, weight: 3, points: 18.75},
				"ujaran_kebencian":          {observed: true, raw: 6, value: 6, normalized: 1, weight: 1, points: 6.25},
				"tps_dpt_bermasalah":        {observed: true, raw: 1, value: 0.25, normalized: 0.5, weight: 2, points: 100.0 / 12},
				"pelanggaran_penyelenggara": {observed: false, raw: 0, value: 0, normalized: 0, weight: 1, points: 0},
				"insiden_bentrok_pendukung": {observed: true, raw: 2, value: 2, normalized: 2.0 / 3, weight: 5, points: 500.0 / 21},
				"kampanye_sara":             {observed: true, raw: 3, value: 3, normalized: 1, weight: 2, points: 100.0 / 7},
				"partisipasi_pemilu_lalu":   {observed: true, raw: 0.75, value: 0.75, normalized: 0.5, weight: 2, points: 0},
			},
		},
		{
			// Same desa, but turnout was 0.6: partisipasi normalized 1 - (0.6-0.6)/0.3 = 1,
			// dimension participation 100*(2*1)/2 = 100. Its dimension weight is 0, so
			// the composite stays (100 + 100/3 + 2*1600/21)/4 = 500/7 = 71.43 and
			// partisipasi earns 100*2*1/2 * 0/4 = 0 points.
			name: "participation weighted 0 does not move the composite",
			model: Model{Phase: "kampanye", Indicators: scoringCatalogue(),
				DimensionWeights: [4]float64{1, 1, 2, 0}, Thresholds: shippedThresholds()},
			in: DesaInput{Code: "36.01.01.2001", TPSCount: 4, Raw: map[string]float64{
				"riwayat_konflik_massa": 1, "ujaran_kebencian": 6, "tps_dpt_bermasalah": 1,
				"insiden_bentrok_pendukung": 2, "kampanye_sara": 3, "partisipasi_pemilu_lalu": 0.6}},
			unrounded:      500.0 / 7,
			wantComposite:  71.43,
			wantDimensions: [4]float64{100, 33.33, 76.19, 100},
			wantCategory:   Tinggi,
			wantThreats: map[string]float64{"konflik_massa": 18.75, "ujaran_kebencian": 20.54,
				"daftar_pemilih": 8.33, "bentrok_pendukung": 23.81},
			wantIndicators: map[string]wantIndicatorScore{
				"riwayat_konflik_massa":     {observed: true, raw: 1, value: 1, normalized: 1, weight: 3, points: 18.75},
				"ujaran_kebencian":          {observed: true, raw: 6, value: 6, normalized: 1, weight: 1, points: 6.25},
				"tps_dpt_bermasalah":        {observed: true, raw: 1, value: 0.25, normalized: 0.5, weight: 2, points: 100.0 / 12},
				"pelanggaran_penyelenggara": {observed: false, raw: 0, value: 0, normalized: 0, weight: 1, points: 0},
				"insiden_bentrok_pendukung": {observed: true, raw: 2, value: 2, normalized: 2.0 / 3, weight: 5, points: 500.0 / 21},
				"kampanye_sara":             {observed: true, raw: 3, value: 3, normalized: 1, weight: 2, points: 100.0 / 7},
				"partisipasi_pemilu_lalu":   {observed: true, raw: 0.6, value: 0.6, normalized: 1, weight: 2, points: 0},
			},
		},
		{
			// Phase pemungutan_suara, TPS count unknown (0), dimension weights 1,1,1,1.
			// Raw: konflik 0, ujaran 0, dpt 1, pelanggaran 2, sara 0; bentrok and
			// partisipasi missing.
			//
			// normalized: konflik 0
			//             ujaran (0-1)/(4-1) = -1/3, capped at 0
			//             dpt value 1/max(0,1) = 1, (1-0)/0.5 = 2, capped at 1
			//             pelanggaran (2-0)/3 = 2/3, weight 3 (phase weight of pemungutan_suara)
			//             bentrok not observed = 0, weight 3 (its phase weight is for kampanye)
			//             sara 0
			//             partisipasi not observed = 0 (not flipped to 1)
			// dimension social_political: 100*(3*0 + 1*0)/4 = 0
			// dimension administration:   100*(2*1 + 3*2/3)/(2+3) = 100*4/5 = 80
			// dimension contestation:     100*(3*0 + 2*0)/5 = 0
			// dimension participation:    100*(2*0)/2 = 0
			// composite: (0 + 80 + 0 + 0)/4 = 20, sedang (13.47 <= 20 < 49.33)
			// points: dpt 100*2*1/5 * 1/4 = 10; pelanggaran 100*3*(2/3)/5 * 1/4 = 10
			name: "pemungutan_suara uses its phase weight and a desa without TPS count divides by 1",
			model: Model{Phase: "pemungutan_suara", Indicators: scoringCatalogue(),
				DimensionWeights: [4]float64{1, 1, 1, 1}, Thresholds: shippedThresholds()},
			in: DesaInput{Code: "36.01.01.2002", TPSCount: 0, Raw: map[string]float64{
				"riwayat_konflik_massa": 0, "ujaran_kebencian": 0, "tps_dpt_bermasalah": 1,
				"pelanggaran_penyelenggara": 2, "kampanye_sara": 0}},
			unrounded:      20,
			wantComposite:  20,
			wantDimensions: [4]float64{0, 80, 0, 0},
			wantCategory:   Sedang,
			wantThreats:    map[string]float64{"daftar_pemilih": 10, "penyelenggara": 10},
			wantIndicators: map[string]wantIndicatorScore{
				"riwayat_konflik_massa":     {observed: true, raw: 0, value: 0, normalized: 0, weight: 3, points: 0},
				"ujaran_kebencian":          {observed: true, raw: 0, value: 0, normalized: 0, weight: 1, points: 0},
				"tps_dpt_bermasalah":        {observed: true, raw: 1, value: 1, normalized: 1, weight: 2, points: 10},
				"pelanggaran_penyelenggara": {observed: true, raw: 2, value: 2, normalized: 2.0 / 3, weight: 3, points: 10},
				"insiden_bentrok_pendukung": {observed: false, raw: 0, value: 0, normalized: 0, weight: 3, points: 0},
				"kampanye_sara":             {observed: true, raw: 0, value: 0, normalized: 0, weight: 2, points: 0},
				"partisipasi_pemilu_lalu":   {observed: false, raw: 0, value: 0, normalized: 0, weight: 2, points: 0},
			},
		},
		{
			// Only the two social_political indicators; dimension weights 1,0,0,1, so
			// participation (no indicators) weighs 1 and scores 0.
			// normalized: konflik 1, ujaran (2-1)/(4-1) = 1/3
			// dimension social_political: 100*(3*1 + 1*1/3)/4 = 100*(10/3)/4 = 250/3 = 83.33
			// composite: (1*250/3 + 0 + 0 + 1*0)/(1+0+0+1) = 125/3 = 41.666667 -> 41.67, sedang
			// points: konflik 100*3*1/4 * 1/2 = 37.5; ujaran 100*1*(1/3)/4 * 1/2 = 25/6 = 4.166667 -> threat 4.17
			name: "dimension without indicators scores 0 and still counts its weight",
			model: Model{Phase: "kampanye", Indicators: scoringCatalogue()[:2],
				DimensionWeights: [4]float64{1, 0, 0, 1}, Thresholds: shippedThresholds()},
			in: DesaInput{Code: "36.01.02.2001", TPSCount: 3, Raw: map[string]float64{
				"riwayat_konflik_massa": 1, "ujaran_kebencian": 2}},
			unrounded:      125.0 / 3,
			wantComposite:  41.67,
			wantDimensions: [4]float64{83.33, 0, 0, 0},
			wantCategory:   Sedang,
			wantThreats:    map[string]float64{"konflik_massa": 37.5, "ujaran_kebencian": 4.17},
			wantIndicators: map[string]wantIndicatorScore{
				"riwayat_konflik_massa": {observed: true, raw: 1, value: 1, normalized: 1, weight: 3, points: 37.5},
				"ujaran_kebencian":      {observed: true, raw: 2, value: 2, normalized: 1.0 / 3, weight: 1, points: 25.0 / 6},
			},
		},
		{
			// Nothing reported: every indicator missing counts as 0, so every
			// dimension is 0, the composite is 0 (rendah) and no threat is named.
			name: "desa with nothing reported is rendah with no threats",
			model: Model{Phase: "kampanye", Indicators: scoringCatalogue(),
				DimensionWeights: [4]float64{1, 1, 2, 0}, Thresholds: shippedThresholds()},
			in:             DesaInput{Code: "36.01.01.2003", TPSCount: 2},
			unrounded:      0,
			wantComposite:  0,
			wantDimensions: [4]float64{0, 0, 0, 0},
			wantCategory:   Rendah,
			wantThreats:    map[string]float64{},
			wantIndicators: map[string]wantIndicatorScore{
				"riwayat_konflik_massa":     {weight: 3},
				"ujaran_kebencian":          {weight: 1},
				"tps_dpt_bermasalah":        {weight: 2},
				"pelanggaran_penyelenggara": {weight: 1},
				"insiden_bentrok_pendukung": {weight: 5},
				"kampanye_sara":             {weight: 2},
				"partisipasi_pemilu_lalu":   {weight: 2},
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.model.ScoreDesa(c.in)
			if got.Score.Composite != c.wantComposite {
				t.Errorf("composite = %v, want %v", got.Score.Composite, c.wantComposite)
			}
			for _, d := range Dimensions {
				if got.Score.Dimensions[d] != c.wantDimensions[d] {
					t.Errorf("dimension %s = %v, want %v", d, got.Score.Dimensions[d], c.wantDimensions[d])
				}
			}
			if got.Category != c.wantCategory {
				t.Errorf("category = %q, want %q", got.Category, c.wantCategory)
			}
			if !maps.Equal(got.Threats, c.wantThreats) {
				t.Errorf("threats = %v, want %v", got.Threats, c.wantThreats)
			}
			// One IndicatorScore per indicator of the model, in catalogue order.
			if len(got.Indicators) != len(c.model.Indicators) {
				t.Fatalf("%d indicator scores, want %d", len(got.Indicators), len(c.model.Indicators))
			}
			var sum float64
			for i, is := range got.Indicators {
				if is.Indicator != c.model.Indicators[i].Code {
					t.Errorf("indicator score %d is %q, want %q", i, is.Indicator, c.model.Indicators[i].Code)
				}
				want, ok := c.wantIndicators[is.Indicator]
				if !ok {
					t.Errorf("no expectation for indicator %q", is.Indicator)
					continue
				}
				if is.Observed != want.observed {
					t.Errorf("%s: observed = %v, want %v", is.Indicator, is.Observed, want.observed)
				}
				for _, f := range []struct {
					name      string
					got, want float64
				}{
					{"raw", is.Raw, want.raw}, {"value", is.Value, want.value},
					{"normalized", is.Normalized, want.normalized}, {"weight", is.Weight, want.weight},
					{"points", is.Points, want.points},
				} {
					if !scoringNear(f.got, f.want) {
						t.Errorf("%s: %s = %v, want %v", is.Indicator, f.name, f.got, f.want)
					}
				}
				sum += is.Points
			}
			// The points add up to the unrounded composite, which rounds to the shown one.
			if !scoringNear(sum, c.unrounded) {
				t.Errorf("sum of points = %v, want the unrounded composite %v", sum, c.unrounded)
			}
			if round2(sum) != got.Score.Composite {
				t.Errorf("sum of points %v rounds to %v, but the composite is %v", sum, round2(sum), got.Score.Composite)
			}
		})
	}
}

func TestScoreDesaLowTurnoutIsRiskier(t *testing.T) {
	// One rate indicator with direction -1 over ref 0.6..0.9, the only weighted
	// dimension, so composite = 100 * normalized.
	//   normalized = 1 - clamp((v - 0.6)/(0.9 - 0.6), 0, 1)
	model := Model{Phase: "kampanye", Indicators: scoringCatalogue()[6:],
		DimensionWeights: [4]float64{0, 0, 0, 1}, Thresholds: shippedThresholds()}
	cases := []struct {
		name           string
		raw            map[string]float64
		wantNormalized float64
		wantComposite  float64
		wantCategory   Category
	}{
		// 1 - (0.6-0.6)/0.3 = 1 - 0 = 1 -> 100
		{"turnout at ref_min is the riskiest", map[string]float64{"partisipasi_pemilu_lalu": 0.6}, 1, 100, Tinggi},
		// 1 - (0.5-0.6)/0.3 = 1 - max(0, -1/3) = 1 -> 100
		{"turnout below ref_min stays the riskiest", map[string]float64{"partisipasi_pemilu_lalu": 0.5}, 1, 100, Tinggi},
		// 1 - (0.75-0.6)/0.3 = 1 - 0.5 = 0.5 -> 50
		{"turnout halfway is half the risk", map[string]float64{"partisipasi_pemilu_lalu": 0.75}, 0.5, 50, Tinggi},
		// 1 - (0.9-0.6)/0.3 = 1 - 1 = 0 -> 0
		{"turnout at ref_max carries no risk", map[string]float64{"partisipasi_pemilu_lalu": 0.9}, 0, 0, Rendah},
		// 1 - min(1, (0.95-0.6)/0.3 = 7/6) = 0 -> 0
		{"turnout above ref_max carries no risk", map[string]float64{"partisipasi_pemilu_lalu": 0.95}, 0, 0, Rendah},
		// not observed: normalized 0, not 1 - 0
		{"unknown turnout carries no risk", nil, 0, 0, Rendah},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := model.ScoreDesa(DesaInput{Code: "36.01.01.2001", TPSCount: 3, Raw: c.raw})
			if n := got.Indicators[0].Normalized; !scoringNear(n, c.wantNormalized) {
				t.Errorf("normalized = %v, want %v", n, c.wantNormalized)
			}
			if got.Score.Composite != c.wantComposite || got.Score.Dimensions[Participation] != c.wantComposite {
				t.Errorf("composite %v, participation %v, want both %v",
					got.Score.Composite, got.Score.Dimensions[Participation], c.wantComposite)
			}
			if got.Category != c.wantCategory {
				t.Errorf("category = %q, want %q", got.Category, c.wantCategory)
			}
		})
	}
}

func TestDesaCategoryChangesExactlyAtTheThresholds(t *testing.T) {
	// One count indicator in contestation over ref 0..100, weight 1, the only
	// weighted dimension: composite = 1*(100*1*(raw-0)/(100-0)/1)/1 = raw,
	// rounded to 2 decimals before it is categorized.
	catalogue := []Indicator{{Code: "skor_uji", Dimension: Contestation, Threat: "bentrok_pendukung",
		Unit: UnitDesa, ValueType: Rate, Direction: 1, Normalization: NoNormalization, RefMin: 0, RefMax: 100, Weight: 1}}
	cases := []struct {
		name          string
		thresholds    map[Level]Thresholds
		raw           float64
		wantComposite float64
		wantCategory  Category
	}{
		{"no risk is rendah", nil, 0, 0, Rendah},
		{"13.46 is rendah", nil, 13.46, 13.46, Rendah},
		{"exactly 13.47 is sedang", nil, 13.47, 13.47, Sedang},
		// 13.4651 displays as 13.47 (round2: 1346.51 -> 1347), so it is sedang
		// even though the unrounded value is below 13.47.
		{"13.4651 shown as 13.47 is sedang", nil, 13.4651, 13.47, Sedang},
		// 13.4649 -> 1346.49 -> 1346 -> 13.46
		{"13.4649 shown as 13.46 is rendah", nil, 13.4649, 13.46, Rendah},
		{"49.32 is sedang", nil, 49.32, 49.32, Sedang},
		{"exactly 49.33 is tinggi", nil, 49.33, 49.33, Tinggi},
		// 49.3251 -> 4932.51 -> 4933 -> 49.33
		{"49.3251 shown as 49.33 is tinggi", nil, 49.3251, 49.33, Tinggi},
		{"full risk is tinggi", nil, 100, 100, Tinggi},
		// ref_max 100 caps 150 at normalized 1 -> 100
		{"raw above ref_max caps at 100", nil, 150, 100, Tinggi},
		// The desa level's own thresholds decide, not the kabupaten's:
		// 20 < 30 is rendah for desa though it is sedang for kabupaten (13.47).
		{"desa thresholds, not kabupaten ones, classify a desa",
			map[Level]Thresholds{Kabupaten: {Sedang: 13.47, Tinggi: 49.33}, Desa: {Sedang: 30, Tinggi: 60}},
			20, 20, Rendah},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			th := c.thresholds
			if th == nil {
				th = shippedThresholds()
			}
			m := Model{Phase: "kampanye", Indicators: catalogue, DimensionWeights: [4]float64{0, 0, 1, 0}, Thresholds: th}
			got := m.ScoreDesa(DesaInput{Code: "36.01.01.2001", TPSCount: 1, Raw: map[string]float64{"skor_uji": c.raw}})
			if got.Score.Composite != c.wantComposite {
				t.Errorf("composite = %v, want %v", got.Score.Composite, c.wantComposite)
			}
			if got.Category != c.wantCategory {
				t.Errorf("category of %v = %q, want %q", got.Score.Composite, got.Category, c.wantCategory)
			}
		})
	}
}

func TestProvinsiCategoryChangesExactlyAtTheProvinsiThresholds(t *testing.T) {
	// Two desa in two kecamatan of kabupaten 36.01, the only kabupaten of
	// provinsi 36, so the provinsi composite is their TPS-weighted mean.
	cases := []struct {
		name          string
		a, b          float64 // composites of 36.01.01.2001 and 36.01.02.2001
		wa, wb        float64 // their TPS counts
		wantComposite float64
		wantCategory  Category
	}{
		// (3*20 + 1*26.76)/4 = 86.76/4 = 21.69
		{"21.69 is rendah", 20, 26.76, 3, 1, 21.69, Rendah},
		// (3*20 + 1*26.8)/4 = 86.8/4 = 21.7
		{"exactly 21.70 is sedang", 20, 26.8, 3, 1, 21.70, Sedang},
		// (2*21.69 + 1*21.71)/3 = 65.09/3 = 21.696667, shown as 21.70
		{"21.6967 shown as 21.70 is sedang", 21.69, 21.71, 2, 1, 21.70, Sedang},
		// (1*68 + 1*68.98)/2 = 136.98/2 = 68.49
		{"68.49 is sedang", 68, 68.98, 1, 1, 68.49, Sedang},
		// (1*68 + 1*69)/2 = 68.5
		{"exactly 68.50 is tinggi", 68, 69, 1, 1, 68.50, Tinggi},
	}
	m := Model{Thresholds: shippedThresholds()}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := m.AggregateUp(map[Code]Weighted{
				"36.01.01.2001": {Result: Result{Score: Score{Composite: c.a}}, Weight: c.wa},
				"36.01.02.2001": {Result: Result{Score: Score{Composite: c.b}}, Weight: c.wb},
			})
			p, ok := got["36"]
			if !ok {
				t.Fatalf("no result for provinsi 36 in %v", slices.Sorted(maps.Keys(got)))
			}
			if p.Score.Composite != c.wantComposite {
				t.Errorf("provinsi composite = %v, want %v", p.Score.Composite, c.wantComposite)
			}
			if p.Category != c.wantCategory {
				t.Errorf("provinsi category of %v = %q, want %q", p.Score.Composite, p.Category, c.wantCategory)
			}
		})
	}
}

// desaResult is a desa result as ScoreDesa would give it, for AggregateUp.
func desaResult(composite float64, dims [4]float64, threats map[string]float64) Result {
	return Result{Score: Score{Composite: composite, Dimensions: dims}, Threats: threats}
}

func TestAggregateUpScoresEnclosingUnitsByTPS(t *testing.T) {
	cases := []struct {
		name       string
		thresholds map[Level]Thresholds
		desa       map[Code]Weighted
		want       map[Code]Result
	}{
		{
			// a 36.01.01.2001: 4 TPS, composite 60, dims 80,40,60,0, politik_uang 30, intimidasi 30
			// b 36.01.01.2002: 1 TPS, composite 10, dims 10,20,0,10, politik_uang 10
			// c 36.01.02.2001: 5 TPS, composite 30, dims 0,30,60,30, intimidasi 20, logistik 10
			// d 36.02.01.2001: 10 TPS, composite 0, dims 0, no threats
			//
			// kecamatan 36.01.01 (a, b; 5 TPS):
			//   composite (4*60 + 1*10)/5 = 250/5 = 50
			//   dims (4*80+1*10)/5 = 66, (4*40+1*20)/5 = 36, (4*60+0)/5 = 48, (0+1*10)/5 = 2
			//   politik_uang (4*30 + 1*10)/5 = 26, intimidasi (4*30 + 0)/5 = 24
			//   kecamatan thresholds 35/55: 50 is sedang (it would be tinggi at 49.33)
			// kecamatan 36.01.02 (c alone): c's scores; 30 < 35 is rendah (sedang at 13.47)
			// kabupaten 36.01 (a, b, c; 10 TPS):
			//   composite (240 + 10 + 5*30)/10 = 40, sedang (13.47 <= 40 < 49.33)
			//   dims (320+10+0)/10 = 33, (160+20+150)/10 = 33, (240+0+300)/10 = 54, (0+10+150)/10 = 16
			//   politik_uang (120+10)/10 = 13, intimidasi (120+5*20)/10 = 22, logistik 5*10/10 = 5
			// kecamatan 36.02.01 and kabupaten 36.02 (d alone): all 0, rendah, no threats
			// provinsi 36 (all; 20 TPS):
			//   composite (240 + 10 + 150 + 0)/20 = 20, rendah at provinsi (20 < 21.7)
			//   dims 330/20 = 16.5, 330/20 = 16.5, 540/20 = 27, 160/20 = 8
			//   politik_uang 130/20 = 6.5, intimidasi 220/20 = 11, logistik 50/20 = 2.5
			// The plain mean would give 36.01 (60+10+30)/3 = 33.33, not 40.
			name: "each level is the TPS-weighted mean with its own thresholds",
			thresholds: map[Level]Thresholds{
				Provinsi:  {Sedang: 21.7, Tinggi: 68.5},
				Kabupaten: {Sedang: 13.47, Tinggi: 49.33},
				Kecamatan: {Sedang: 35, Tinggi: 55},
				Desa:      {Sedang: 13.47, Tinggi: 49.33},
			},
			desa: map[Code]Weighted{
				"36.01.01.2001": {desaResult(60, [4]float64{80, 40, 60, 0}, map[string]float64{"politik_uang": 30, "intimidasi": 30}), 4},
				"36.01.01.2002": {desaResult(10, [4]float64{10, 20, 0, 10}, map[string]float64{"politik_uang": 10}), 1},
				"36.01.02.2001": {desaResult(30, [4]float64{0, 30, 60, 30}, map[string]float64{"intimidasi": 20, "logistik": 10}), 5},
				"36.02.01.2001": {desaResult(0, [4]float64{}, map[string]float64{}), 10},
			},
			want: map[Code]Result{
				"36.01.01": {Score: Score{50, [4]float64{66, 36, 48, 2}}, Category: Sedang,
					Threats: map[string]float64{"politik_uang": 26, "intimidasi": 24}},
				"36.01.02": {Score: Score{30, [4]float64{0, 30, 60, 30}}, Category: Rendah,
					Threats: map[string]float64{"intimidasi": 20, "logistik": 10}},
				"36.02.01": {Score: Score{0, [4]float64{}}, Category: Rendah, Threats: map[string]float64{}},
				"36.01": {Score: Score{40, [4]float64{33, 33, 54, 16}}, Category: Sedang,
					Threats: map[string]float64{"politik_uang": 13, "intimidasi": 22, "logistik": 5}},
				"36.02": {Score: Score{0, [4]float64{}}, Category: Rendah, Threats: map[string]float64{}},
				"36": {Score: Score{20, [4]float64{16.5, 16.5, 27, 8}}, Category: Rendah,
					Threats: map[string]float64{"politik_uang": 6.5, "intimidasi": 11, "logistik": 2.5}},
			},
		},
		{
			// Every desa scores 42.42 (dims 10.1, 20.2, 30.3, 40.4, politik_uang 42.42):
			// any weighted mean of equal values is that value, e.g. (3*42.42 + 7*42.42)/10 = 42.42.
			// 36.02.01.2001 weighs 0 and is alone in its kecamatan: plain mean 42.42/1.
			// 42.42 is sedang at every level (13.47 and 21.7 <= 42.42 < 49.33 and 68.5).
			name: "uniform desa scores aggregate to themselves",
			desa: map[Code]Weighted{
				"36.01.01.2001": {desaResult(42.42, [4]float64{10.1, 20.2, 30.3, 40.4}, map[string]float64{"politik_uang": 42.42}), 3},
				"36.01.02.2001": {desaResult(42.42, [4]float64{10.1, 20.2, 30.3, 40.4}, map[string]float64{"politik_uang": 42.42}), 7},
				"36.02.01.2001": {desaResult(42.42, [4]float64{10.1, 20.2, 30.3, 40.4}, map[string]float64{"politik_uang": 42.42}), 0},
			},
			want: func() map[Code]Result {
				r := Result{Score: Score{42.42, [4]float64{10.1, 20.2, 30.3, 40.4}}, Category: Sedang,
					Threats: map[string]float64{"politik_uang": 42.42}}
				out := map[Code]Result{}
				for _, c := range []Code{"36.01.01", "36.01.02", "36.02.01", "36.01", "36.02", "36"} {
					out[c] = r
				}
				return out
			}(),
		},
		{
			// Kecamatan 36.01.01 has no TPS counts: plain mean of 10, 20 and 45
			//   composite (10+20+45)/3 = 25, dims (10+20+30)/3 = 20, 0, 0, (0+40+0)/3 = 13.33
			//   politik_uang (10+20+0)/3 = 10, logistik (0+3+0)/3 = 1; sedang (13.47 <= 25)
			// Kecamatan 36.01.02: one desa with 2 TPS, composite 40, dims 40,0,0,0, intimidasi 40.
			// Kabupaten 36.01 and provinsi 36 weigh 2 TPS in all, so the zero-weight
			// desa drop out: composite 2*40/2 = 40, dims 40,0,0,0, intimidasi 40;
			// politik_uang and logistik get 0*.../2 = 0 and are dropped.
			// 40: sedang for kabupaten (< 49.33) and provinsi (21.7 <= 40 < 68.5).
			name: "desa without TPS counts take the plain mean only where nothing weighs",
			desa: map[Code]Weighted{
				"36.01.01.2001": {desaResult(10, [4]float64{10, 0, 0, 0}, map[string]float64{"politik_uang": 10}), 0},
				"36.01.01.2002": {desaResult(20, [4]float64{20, 0, 0, 40}, map[string]float64{"politik_uang": 20, "logistik": 3}), 0},
				"36.01.01.2003": {desaResult(45, [4]float64{30, 0, 0, 0}, map[string]float64{}), 0},
				"36.01.02.2001": {desaResult(40, [4]float64{40, 0, 0, 0}, map[string]float64{"intimidasi": 40}), 2},
			},
			want: map[Code]Result{
				"36.01.01": {Score: Score{25, [4]float64{20, 0, 0, 13.33}}, Category: Sedang,
					Threats: map[string]float64{"politik_uang": 10, "logistik": 1}},
				"36.01.02": {Score: Score{40, [4]float64{40, 0, 0, 0}}, Category: Sedang,
					Threats: map[string]float64{"intimidasi": 40}},
				"36.01": {Score: Score{40, [4]float64{40, 0, 0, 0}}, Category: Sedang,
					Threats: map[string]float64{"intimidasi": 40}},
				"36": {Score: Score{40, [4]float64{40, 0, 0, 0}}, Category: Sedang,
					Threats: map[string]float64{"intimidasi": 40}},
			},
		},
		{
			// Kecamatan 36.01.03: a desa without TPS count scoring 90 (konflik_massa 90)
			// next to one with 3 TPS scoring 12 (lokasi 0.01, politik_uang 12):
			//   composite (0*90 + 3*12)/3 = 12, dims (0*90 + 3*12)/3 = 12, 0, 0, 0
			//   konflik_massa 0*90/3 = 0 -> dropped; politik_uang 3*12/3 = 12; lokasi 3*0.01/3 = 0.01
			//   rendah (12 < 13.47)
			// Kecamatan 36.01.04: one desa with 27 TPS, composite 2, no threats.
			// Kabupaten 36.01 and provinsi 36 (30 TPS):
			//   composite (0*90 + 3*12 + 27*2)/30 = 90/30 = 3, dims (36 + 0)/30 = 1.2, 0, 0, 0
			//   politik_uang 36/30 = 1.2; lokasi 0.03/30 = 0.001 -> rounds to 0.00 and is dropped
			//   rendah at both levels.
			name: "a desa without TPS count is ignored next to weighted ones and tiny shares drop",
			desa: map[Code]Weighted{
				"36.01.03.2001": {desaResult(90, [4]float64{90, 0, 0, 0}, map[string]float64{"konflik_massa": 90}), 0},
				"36.01.03.2002": {desaResult(12, [4]float64{12, 0, 0, 0}, map[string]float64{"lokasi": 0.01, "politik_uang": 12}), 3},
				"36.01.04.2001": {desaResult(2, [4]float64{}, map[string]float64{}), 27},
			},
			want: map[Code]Result{
				"36.01.03": {Score: Score{12, [4]float64{12, 0, 0, 0}}, Category: Rendah,
					Threats: map[string]float64{"politik_uang": 12, "lokasi": 0.01}},
				"36.01.04": {Score: Score{2, [4]float64{}}, Category: Rendah, Threats: map[string]float64{}},
				"36.01": {Score: Score{3, [4]float64{1.2, 0, 0, 0}}, Category: Rendah,
					Threats: map[string]float64{"politik_uang": 1.2}},
				"36": {Score: Score{3, [4]float64{1.2, 0, 0, 0}}, Category: Rendah,
					Threats: map[string]float64{"politik_uang": 1.2}},
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			th := c.thresholds
			if th == nil {
				th = shippedThresholds()
			}
			got := Model{Thresholds: th}.AggregateUp(c.desa)
			if gotCodes, wantCodes := slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(c.want)); !slices.Equal(gotCodes, wantCodes) {
				t.Errorf("units = %v, want %v", gotCodes, wantCodes)
			}
			for code, want := range c.want {
				r, ok := got[code]
				if !ok {
					continue
				}
				if r.Score != want.Score {
					t.Errorf("%s (%s): score = %+v, want %+v", code, code.Level(), r.Score, want.Score)
				}
				if r.Category != want.Category {
					t.Errorf("%s (%s): category of %v = %q, want %q", code, code.Level(), r.Score.Composite, r.Category, want.Category)
				}
				if !maps.Equal(r.Threats, want.Threats) {
					t.Errorf("%s (%s): threats = %v, want %v", code, code.Level(), r.Threats, want.Threats)
				}
				if r.Indicators != nil {
					t.Errorf("%s: aggregated unit lists indicators %v, want none", code, r.Indicators)
				}
			}
		})
	}
}

func TestAggregateUpGivesTheSameCategoryOnEveryRun(t *testing.T) {
	// Kecamatan 36.01.01 (8 TPS) whose exact weighted mean is a half cent on the
	// sedang threshold:
	//   (1*29.24 + 3*5.00 + 4*15.87)/8 = (29.24 + 15 + 63.48)/8 = 107.72/8 = 13.465
	//   -> 13.47 (half away from zero), sedang (>= 13.47).
	// In floats the sum depends on the order of the additions: 15 + 63.48 + 29.24
	// gives 107.71999999999998, i.e. 13.464999... -> 13.46, rendah. Go randomizes
	// map order, so a sum taken in map order flips this kecamatan between runs.
	for run := range 300 {
		got := Model{Thresholds: shippedThresholds()}.AggregateUp(map[Code]Weighted{
			"36.01.01.2001": {desaResult(29.24, [4]float64{}, nil), 1},
			"36.01.01.2002": {desaResult(5.00, [4]float64{}, nil), 3},
			"36.01.01.2003": {desaResult(15.87, [4]float64{}, nil), 4},
		})["36.01.01"]
		if got.Score.Composite != 13.47 || got.Category != Sedang {
			t.Fatalf("run %d: kecamatan 36.01.01 = %v %q, want 13.47 sedang", run, got.Score.Composite, got.Category)
		}
	}
}

func TestTopThreatsNamesTheLargestSharesFirst(t *testing.T) {
	cases := []struct {
		name    string
		threats map[string]float64
		want    []string
	}{
		{"no threats names none", map[string]float64{}, []string{}},
		{"nil threats names none", nil, []string{}},
		{"one threat is named", map[string]float64{"politik_uang": 0.01}, []string{"politik_uang"}},
		{"largest share first",
			map[string]float64{"logistik": 5, "politik_uang": 12.5, "intimidasi": 1},
			[]string{"politik_uang", "logistik", "intimidasi"}},
		{"at most three of five",
			map[string]float64{"logistik": 5, "politik_uang": 12.5, "intimidasi": 1, "lokasi": 7, "netralitas": 0.5},
			[]string{"politik_uang", "lokasi", "logistik"}},
		{"equal shares in code order",
			map[string]float64{"politik_uang": 4, "intimidasi": 4, "logistik": 4, "bentrok_pendukung": 4},
			[]string{"bentrok_pendukung", "intimidasi", "logistik"}},
		{"tie behind a larger share in code order",
			map[string]float64{"netralitas": 3, "konflik_massa": 3, "politik_uang": 9, "lokasi": 1},
			[]string{"politik_uang", "konflik_massa", "netralitas"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := TopThreats(c.threats)
			// An empty list, not nil, so the API shows [] rather than null.
			if got == nil {
				t.Fatalf("TopThreats(%v) = nil, want %q", c.threats, c.want)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("TopThreats(%v) = %q, want %q", c.threats, got, c.want)
			}
		})
	}
}

func TestCheckValueRefusesValuesAnIndicatorCannotTake(t *testing.T) {
	binary := Indicator{Code: "riwayat_konflik_massa", ValueType: Binary}
	count := Indicator{Code: "pelanggaran_penyelenggara", ValueType: Count}
	rate := Indicator{Code: "partisipasi_pemilu_lalu", ValueType: Rate}
	cases := []struct {
		name    string
		ind     Indicator
		v       float64
		wantErr string // "" when the value is accepted
	}{
		{"binary accepts 0", binary, 0, ""},
		{"binary accepts 1", binary, 1, ""},
		{"binary refuses 0.5", binary, 0.5, "must be 0 or 1"},
		{"binary refuses 2", binary, 2, "must be 0 or 1"},
		{"binary refuses -1", binary, -1, "negative"},
		{"count accepts 0", count, 0, ""},
		{"count accepts 7", count, 7, ""},
		{"count refuses 1.5", count, 1.5, "whole number"},
		{"count refuses -1", count, -1, "negative"},
		{"count refuses 2e9 as implausible", count, 2e9, "implausibly large"},
		{"rate accepts 0.75", rate, 0.75, ""},
		{"rate accepts 0", rate, 0, ""},
		{"rate refuses -0.1", rate, -0.1, "negative"},
		{"binary refuses NaN", binary, math.NaN(), "finite"},
		{"count refuses NaN", count, math.NaN(), "finite"},
		{"rate refuses NaN", rate, math.NaN(), "finite"},
		{"rate refuses +Inf", rate, math.Inf(1), "finite"},
		{"count refuses +Inf", count, math.Inf(1), "finite"},
		{"rate refuses -Inf", rate, math.Inf(-1), "finite"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.ind.CheckValue(c.v)
			switch {
			case c.wantErr == "" && err != nil:
				t.Errorf("CheckValue(%v) = %v, want nil", c.v, err)
			case c.wantErr != "" && err == nil:
				t.Errorf("CheckValue(%v) = nil, want an error about %q", c.v, c.wantErr)
			case c.wantErr != "" && !strings.Contains(err.Error(), c.wantErr):
				t.Errorf("CheckValue(%v) = %q, want it to mention %q", c.v, err, c.wantErr)
			}
		})
	}
}

func TestDimensionIsWrittenByNameInJSON(t *testing.T) {
	cases := []struct {
		d    Dimension
		json string
	}{
		{SocialPolitical, `"social_political"`},
		{Administration, `"administration"`},
		{Contestation, `"contestation"`},
		{Participation, `"participation"`},
	}
	for _, c := range cases {
		t.Run(c.json, func(t *testing.T) {
			b, err := json.Marshal(c.d)
			if err != nil || string(b) != c.json {
				t.Fatalf("Marshal(%d) = %s, %v; want %s", int(c.d), b, err, c.json)
			}
			var back Dimension = -1
			if err := json.Unmarshal(b, &back); err != nil || back != c.d {
				t.Errorf("Unmarshal(%s) = %d, %v; want %d", b, int(back), err, int(c.d))
			}
			// Inside an indicator, as the catalogue API sends it.
			b, err = json.Marshal(Indicator{Code: "x", Dimension: c.d})
			if err != nil || !strings.Contains(string(b), `"dimension":`+c.json) {
				t.Errorf("indicator JSON %s (%v) lacks \"dimension\":%s", b, err, c.json)
			}
			var ind Indicator
			if err := json.Unmarshal(b, &ind); err != nil || ind.Dimension != c.d {
				t.Errorf("indicator read back with dimension %d, %v; want %d", int(ind.Dimension), err, int(c.d))
			}
		})
	}
}

func TestDimensionRefusesUnknownNames(t *testing.T) {
	for _, s := range []string{`"social"`, `"Contestation"`, `""`, `"kontestasi"`} {
		t.Run(s, func(t *testing.T) {
			var d Dimension
			if err := json.Unmarshal([]byte(s), &d); err == nil {
				t.Errorf("Unmarshal(%s) = %d, nil; want an error", s, int(d))
			}
			var ind Indicator
			if err := json.Unmarshal([]byte(`{"code":"x","dimension":`+s+`}`), &ind); err == nil {
				t.Errorf("indicator with dimension %s read without error", s)
			}
		})
	}
}
