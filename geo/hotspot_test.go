package geo

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// Expected values below come from PySAL esda's published test or are worked
// out by hand from the formulas on GetisOrdGiStar and LocalMoran; the
// arithmetic is in the comments.

const hotspotTolerance = 1e-9

func hotspotNear(got, want, tolerance float64) bool { return math.Abs(got-want) <= tolerance }

// path links units 0-1-2-...-(n-1) in a line.
func path(n int) Neighbours {
	nb := make(Neighbours, n)
	for i := range n - 1 {
		nb[i] = append(nb[i], i+1)
		nb[i+1] = append(nb[i+1], i)
	}
	return nb
}

func negated(values []float64) []float64 {
	out := make([]float64, len(values))
	for i, v := range values {
		out[i] = -v
	}
	return out
}

// esdaPoints and esdaValues are the G_Local case of esda's test suite.
var (
	esdaPoints = [][2]float64{{10, 10}, {20, 10}, {40, 10}, {15, 20}, {30, 20}, {30, 30}}
	esdaValues = []float64{2, 3, 3.2, 5, 8, 7}
)

// distanceBand links points at most band apart (binary weights).
func distanceBand(points [][2]float64, band float64) Neighbours {
	nb := make(Neighbours, len(points))
	for i, p := range points {
		for j, q := range points {
			dx, dy := p[0]-q[0], p[1]-q[1]
			if i != j && dx*dx+dy*dy <= band*band {
				nb[i] = append(nb[i], j)
			}
		}
	}
	return nb
}

func TestGiStarReproducesEsdaPublishedCase(t *testing.T) {
	nb := distanceBand(esdaPoints, 15)
	// By hand: (10,10) is 10 from (20,10) and sqrt(125) = 11.2 from (15,20),
	// everything else is over 15 away. (15,20)-(30,20) is exactly 15: kept.
	if !slices.Equal(nb[0], []int{1, 3}) || !slices.Contains(nb[3], 4) {
		t.Fatalf("distance band 15: neighbours %v", nb)
	}
	got := GetisOrdGiStar(esdaValues, nb)
	// mean 4.7, S^2 = 28.7 / 6, W = 3: z = (10 - 14.1) / (S * sqrt(9/5)).
	if want := -1.39727626; !hotspotNear(got[0].Z, want, 1e-7) {
		t.Errorf("Gi* z of the first point = %.8f, want %.8f (esda)", got[0].Z, want)
	}
	if got[0].Bin != 0 || got[0].Island {
		t.Errorf("first point = %+v, want bin 0, not an island", got[0])
	}
}

func TestGiStarOfFourUnitsInALine(t *testing.T) {
	// Values 1 2 3 4 in a line: mean 2.5, S^2 = (2.25+0.25+0.25+2.25)/4 = 1.25.
	// End unit: W = 2, sum 3, z = (3 - 5) / (S * sqrt((8-4)/3)) = -2 * sqrt(3/5).
	// Inner unit: W = 3, sum 6, z = (6 - 7.5) / (S * sqrt((12-9)/3)) = -3 / sqrt(5).
	got := GetisOrdGiStar([]float64{1, 2, 3, 4}, path(4))
	end, inner := 2*math.Sqrt(3.0/5), 3/math.Sqrt(5)
	for i, want := range []float64{-end, -inner, inner, end} {
		if !hotspotNear(got[i].Z, want, hotspotTolerance) || got[i].Bin != 0 {
			t.Errorf("unit %d = %+v, want z %.9f, bin 0", i, got[i], want)
		}
	}
	// two-sided p of z = 3/sqrt(5) = 1.3416: 2 * (1 - Phi(1.3416)) = 0.17971
	if !hotspotNear(got[2].P, 0.179712, 1e-6) {
		t.Errorf("p of unit 2 = %.6f, want 0.179712", got[2].P)
	}
}

func TestGiStarBinsAHighPairAtTheEndOfAPath(t *testing.T) {
	// Units 0 and 1 are 1, the rest of the path 0. Unit 0's neighbourhood is
	// exactly the w = 2 ones: mean w/n, S^2 = w(n-w)/n^2, numerator w(n-w)/n,
	// denominator S * sqrt(w(n-w)/(n-1)) = w(n-w)/(n sqrt(n-1)), so z = sqrt(n-1).
	cases := []struct {
		n   int
		bin int
		p   float64 // 2 * (1 - Phi(sqrt(n-1)))
	}{
		{n: 3, bin: 0, p: 0.157299}, // z 1.414
		{n: 4, bin: 1, p: 0.083265}, // z 1.732
		{n: 5, bin: 2, p: 0.045500}, // z 2
		{n: 8, bin: 3, p: 0.008151}, // z 2.646
	}
	for _, c := range cases {
		values := make([]float64, c.n)
		values[0], values[1] = 1, 1
		hot := GetisOrdGiStar(values, path(c.n))[0]
		if want := math.Sqrt(float64(c.n - 1)); !hotspotNear(hot.Z, want, hotspotTolerance) {
			t.Errorf("n %d: z = %.9f, want sqrt(%d)", c.n, hot.Z, c.n-1)
		}
		if hot.Bin != c.bin || !hotspotNear(hot.P, c.p, 1e-6) {
			t.Errorf("n %d: hot spot %+v, want bin %d, p %.6f", c.n, hot, c.bin, c.p)
		}
		if cold := GetisOrdGiStar(negated(values), path(c.n))[0]; cold.Bin != -c.bin {
			t.Errorf("n %d: low pair gets bin %d, want %d", c.n, cold.Bin, -c.bin)
		}
	}
}

func TestConfidenceBinsStartAtTheirThresholds(t *testing.T) {
	cases := []struct {
		z   float64
		bin int
	}{
		{2.576, 3}, {2.5759, 2}, {1.960, 2}, {1.9599, 1}, {1.645, 1}, {1.6449, 0},
		{0, 0}, {-1.645, -1}, {-1.960, -2}, {-2.576, -3}, {-10, -3},
	}
	for _, c := range cases {
		if got := confidenceBin(c.z); got != c.bin {
			t.Errorf("bin of z %v = %d, want %d", c.z, got, c.bin)
		}
	}
}

func TestGiStarOfAConstantFieldIsZeroEverywhere(t *testing.T) {
	// (0.1 + 0.1 + 0.1) / 3 is not exactly 0.1 in floats: S must still be 0.
	for i, g := range GetisOrdGiStar([]float64{0.1, 0.1, 0.1}, path(3)) {
		if g != (GiStar{Z: 0, P: 1, Bin: 0}) {
			t.Errorf("unit %d = %+v, want z 0, p 1, bin 0", i, g)
		}
	}
}

func TestGiStarIslandHasNoZButCountsInTheField(t *testing.T) {
	// Path 0-1-2 and island 3; values 1 1 0 0. The island's value still
	// counts (n = 4), so unit 0's neighbourhood {0, 1} holds all the ones:
	// z = sqrt(n-1) = sqrt(3) (see the high pair test).
	nb := Neighbours{{1}, {0, 2}, {1}, {}}
	got := GetisOrdGiStar([]float64{1, 1, 0, 0}, nb)
	if island := got[3]; !island.Island || !math.IsNaN(island.Z) || !math.IsNaN(island.P) || island.Bin != 0 {
		t.Errorf("island = %+v, want Island, z and p NaN, bin 0", island)
	}
	if !hotspotNear(got[0].Z, math.Sqrt(3), hotspotTolerance) || got[0].Island {
		t.Errorf("unit 0 = %+v, want z sqrt(3)", got[0])
	}
}

func TestGiStarOfANeighbourhoodCoveringTheFieldIsZero(t *testing.T) {
	// The middle of a path of 3 sees every unit: n*W - W^2 = 9 - 9 = 0 and its
	// local sum is the global sum.
	if g := GetisOrdGiStar([]float64{1, 5, 2}, path(3))[1]; g != (GiStar{Z: 0, P: 1}) {
		t.Errorf("middle unit = %+v, want z 0, p 1", g)
	}
}

func TestGiStarNegatingValuesNegatesZ(t *testing.T) {
	cases := []struct {
		name   string
		values []float64
		nb     Neighbours
	}{
		{"esda case", esdaValues, distanceBand(esdaPoints, 15)},
		{"high pair", []float64{1, 1, 0, 0, 0, 0, 0, 0}, path(8)},
		{"line", []float64{1, 2, 3, 4}, path(4)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			up, down := GetisOrdGiStar(c.values, c.nb), GetisOrdGiStar(negated(c.values), c.nb)
			for i := range up {
				if !hotspotNear(down[i].Z, -up[i].Z, hotspotTolerance) ||
					!hotspotNear(down[i].P, up[i].P, hotspotTolerance) || down[i].Bin != -up[i].Bin {
					t.Errorf("unit %d: %+v for x, %+v for -x", i, up[i], down[i])
				}
			}
		})
	}
}

func TestBenjaminiHochbergStepUp(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		name  string
		p     []float64
		alpha float64
		want  []bool
	}{
		// sorted 0.005 0.01 0.03 0.04 against k*0.05/4 = 0.0125 0.025 0.0375 0.05: all pass
		{"all pass", []float64{0.01, 0.04, 0.03, 0.005}, 0.05, []bool{true, true, true, true}},
		// sorted 0.01 0.03 0.04 0.045 0.2 against 0.01 0.02 0.03 0.04 0.05: only k = 1
		{"only the smallest", []float64{0.01, 0.04, 0.03, 0.045, 0.2}, 0.05, []bool{true, false, false, false, false}},
		// 0.02 > 0.05/3 = 0.0167 fails its own rank, but 0.021 <= 2*0.05/3 = 0.0333
		// passes at k = 2, which carries 0.02 with it (step-up)
		{"step-up carries smaller ones", []float64{0.02, 0.021, 0.9}, 0.05, []bool{true, true, false}},
		// islands do not count: m = 2, thresholds 0.025 0.05, 0.045 passes at k = 2
		// (with m = 3 the thresholds 0.0167 0.0333 0.05 would pass none)
		{"NaN is not a test", []float64{0.04, 0.045, nan}, 0.05, []bool{true, true, false}},
		{"none below alpha", []float64{0.3, 0.06}, 0.05, []bool{false, false}},
		{"empty", nil, 0.05, []bool{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := BenjaminiHochberg(c.p, c.alpha); !slices.Equal(got, c.want) {
				t.Errorf("BenjaminiHochberg(%v, %v) = %v, want %v", c.p, c.alpha, got, c.want)
			}
		})
	}
}

func TestFDRBinsKeepOnlySignificantLevels(t *testing.T) {
	stats := []GiStar{
		{Z: 3.0, P: 0.0027, Bin: 3},
		{Z: -2.7, P: 0.0069, Bin: -3},
		{Z: 2.0, P: 0.0455, Bin: 2},
		{Z: 1.7, P: 0.0891, Bin: 1},
		{Z: 0.5, P: 0.617, Bin: 0},
		{Z: math.NaN(), P: math.NaN(), Island: true},
	}
	// m = 5 (the island is no test); sorted p 0.0027 0.0069 0.0455 0.0891 0.617.
	// FDR 0.01, thresholds k*0.002: 0.0027 > 0.002, none pass.
	// FDR 0.05, thresholds k*0.01: 0.0027 and 0.0069 (<= 0.02) pass, 0.0455 > 0.03.
	// FDR 0.10, thresholds k*0.02: also 0.0455 (<= 0.06); 0.0891 > 0.08.
	want := []int{2, -2, 1, 0, 0, 0}
	got := FDRBins(stats)
	for i := range stats {
		if got[i].Bin != want[i] {
			t.Errorf("unit %d: FDR bin %d, want %d", i, got[i].Bin, want[i])
		}
	}
	if stats[0].Bin != 3 || got[0].Z != 3.0 || got[0].P != 0.0027 {
		t.Errorf("FDRBins changed its input or z/p: %+v -> %+v", stats[0], got[0])
	}
}

func TestLocalMoranOfHandCases(t *testing.T) {
	cases := []struct {
		name      string
		values    []float64
		i         []float64
		quadrants []Quadrant
	}{
		{
			// z = -1.5 -0.5 0.5 1.5, m2 = 5/4. Lags (row-standardised):
			// -0.5, (-1.5+0.5)/2 = -0.5, 0.5, 0.5.
			// I = 0.75/1.25, 0.25/1.25, 0.25/1.25, 0.75/1.25.
			name:      "rising line",
			values:    []float64{1, 2, 3, 4},
			i:         []float64{0.6, 0.2, 0.2, 0.6},
			quadrants: []Quadrant{LowLow, LowLow, HighHigh, HighHigh},
		},
		{
			// mean 1.75, z = -0.75 2.25 -0.75 -0.75, m2 = 6.75/4 = 1.6875.
			// Lags 2.25, -0.75, (2.25-0.75)/2 = 0.75, -0.75.
			// I = -1.6875/m2, -1.6875/m2, -0.5625/m2, 0.5625/m2.
			name:      "one high among low",
			values:    []float64{1, 4, 1, 1},
			i:         []float64{-1, -1, -1.0 / 3, 1.0 / 3},
			quadrants: []Quadrant{LowHigh, HighLow, LowHigh, LowLow},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for u, m := range LocalMoran(c.values, path(4), 99, 1) {
				if !hotspotNear(m.I, c.i[u], hotspotTolerance) || m.Quadrant != c.quadrants[u] || m.Island {
					t.Errorf("unit %d = %+v, want I %.6f in %s", u, m, c.i[u], c.quadrants[u])
				}
			}
		})
	}
}

// moranField is 30 units on a path with uneven values.
func moranField() ([]float64, Neighbours) {
	values := make([]float64, 30)
	for i := range values {
		values[i] = float64((i*37)%11) + float64(i)/10
	}
	return values, path(30)
}

func TestLocalMoranPValuesAreReproducibleForASeed(t *testing.T) {
	values, nb := moranField()
	const permutations = 99
	first := LocalMoran(values, nb, permutations, 42)
	again := LocalMoran(values, nb, permutations, 42)
	other := LocalMoran(values, nb, permutations, 43)
	differs := false
	for i := range first {
		p := first[i].P
		if p != again[i].P {
			t.Errorf("unit %d: seed 42 gave p %v then %v", i, p, again[i].P)
		}
		if p != other[i].P {
			differs = true
		}
		larger := p*(permutations+1) - 1 // p = (larger + 1) / 100
		if p <= 0 || p > 1 || math.Abs(larger-math.Round(larger)) > 1e-9 {
			t.Errorf("unit %d: p %v is not (larger + 1) / 100 in (0, 1]", i, p)
		}
	}
	if !differs {
		t.Error("seeds 42 and 43 gave the same p-values for all 30 units")
	}
}

func TestLocalMoranPermutationPFollowsTheConditionalProbability(t *testing.T) {
	// Unit 0 (value 10) has one neighbour, unit 1; units 2..10 hold 0..8.
	// A draw of one neighbour from the 10 others is as extreme as unit 1 only
	// when it is unit 1 (the largest others when unit 1 is 9, the smallest when
	// it is -1), so p tends to 1/10 whatever the sign of I.
	const permutations = 9999 // count ~ Binomial(9999, 0.1): sd 30, so p within 0.01
	for _, neighbour := range []float64{9, -1} {
		values := []float64{10, neighbour, 0, 1, 2, 3, 4, 5, 6, 7, 8}
		m := LocalMoran(values, path(11), permutations, 7)[0]
		if (neighbour > 0) != (m.I > 0) {
			t.Fatalf("neighbour %v: I = %v has the wrong sign", neighbour, m.I)
		}
		if !hotspotNear(m.P, 0.1, 0.01) {
			t.Errorf("neighbour %v: p = %.4f, want about 0.1", neighbour, m.P)
		}
	}
}

func TestLocalMoranNeighbourhoodOfAllOthersHasPOne(t *testing.T) {
	// The centre of a star of 5 always draws all four others: every
	// permutation ties with the observed I, so larger = permutations and p = 1,
	// although the draws sum the same deviations in another order (which for
	// these values changes the last bit of the sum).
	star := Neighbours{{1, 2, 3, 4}, {0}, {0}, {0}, {0}}
	if m := LocalMoran([]float64{1.67, 0.87, 1.52, 0, 0.89}, star, 99, 3)[0]; m.P != 1 {
		t.Errorf("centre = %+v, want p 1", m)
	}
}

func TestLocalMoranOfAConstantFieldAndAnIsland(t *testing.T) {
	for i, m := range LocalMoran([]float64{0.1, 0.1, 0.1}, path(3), 99, 1) {
		if m != (Moran{I: 0, P: 1, Quadrant: NoQuadrant}) {
			t.Errorf("constant field, unit %d = %+v, want I 0, p 1, no quadrant", i, m)
		}
	}
	island := LocalMoran([]float64{1, 2, 3, 4}, Neighbours{{1}, {0, 2}, {1}, {}}, 99, 1)[3]
	if !island.Island || !math.IsNaN(island.I) || !math.IsNaN(island.P) || island.Quadrant != NoQuadrant {
		t.Errorf("island = %+v, want Island, I and p NaN, no quadrant", island)
	}
}

func TestNeighboursValidateRefusesBadLists(t *testing.T) {
	if err := path(4).Validate(4); err != nil {
		t.Fatalf("path of 4: %v", err)
	}
	cases := []struct {
		name    string
		nb      Neighbours
		mention string
	}{
		{"wrong length", Neighbours{{1}, {0}}, "has 2 units, want 3"},
		{"out of range", Neighbours{{1}, {0}, {3}}, "out of range"},
		{"self", Neighbours{{0, 1}, {0}, {}}, "itself"},
		{"repeat", Neighbours{{1, 1}, {0}, {}}, "twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.nb.Validate(3)
			if err == nil || !strings.Contains(err.Error(), c.mention) {
				t.Errorf("Validate = %v, want an error mentioning %q", err, c.mention)
			}
		})
	}
}

func TestParsePolygonAreaReadsGeoJSONAndWKT(t *testing.T) {
	triangle := orb.Ring{{106, -6.3}, {106.3, -6.3}, {106.15, -6.05}, {106, -6.3}}
	for name, tc := range map[string]struct {
		in   string
		want orb.MultiPolygon
	}{
		"WKT polygon":          {"POLYGON((106 -6.3, 106.3 -6.3, 106.15 -6.05, 106 -6.3))", orb.MultiPolygon{{triangle}}},
		"WKT, lower case":      {"  polygon ((106 -6.3,106.3 -6.3,106.15 -6.05,106 -6.3)) ", orb.MultiPolygon{{triangle}}},
		"GeoJSON polygon":      {`{"type":"Polygon","coordinates":[[[106,-6.3],[106.3,-6.3],[106.15,-6.05],[106,-6.3]]]}`, orb.MultiPolygon{{triangle}}},
		"GeoJSON multipolygon": {`{"type":"MultiPolygon","coordinates":[[[[106,-6.3],[106.3,-6.3],[106.15,-6.05],[106,-6.3]]]]}`, orb.MultiPolygon{{triangle}}},
	} {
		got, err := ParsePolygonArea(tc.in, 100)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("%s: %v, %v; want %v", name, got, err, tc.want)
		}
	}
}

func TestParsePolygonAreaRefusesWhatIsNoPolygon(t *testing.T) {
	for in, reason := range map[string]string{
		"POINT(106 -6)": "want a Polygon or MultiPolygon",
		`{"type":"LineString","coordinates":[[106,-6],[107,-6]]}`: "want a Polygon or MultiPolygon",
		`{"type":"Polygon","coordinates":[[[106,-6]`:              "not a GeoJSON geometry object",
		"a circle round Serang":                                   "nor WKT",
		"POLYGON((106 -6, 107 -6, 106 -6))":                       "at least 4",
		"POLYGON((106 -6, 107 -6, 107 -7, 106 -6.5))":             "not closed",
		"POLYGON((106 -6, 181 -6, 107 -7, 106 -6))":               "out of range",
		"POLYGON((106 -6, NaN -6, 107 -7, 106 -6))":               "not a number",
		"POLYGON((106 -6, 107 -6, 107 -7, 106.5 -7, 106 -6))":     "more than 4 vertices",
	} {
		if _, err := ParsePolygonArea(in, 4); err == nil || !strings.Contains(err.Error(), reason) {
			t.Errorf("%s: %v, want an error saying %q", in, err, reason)
		}
	}
}
