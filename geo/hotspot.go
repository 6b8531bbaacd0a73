package geo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"
	"github.com/paulmach/orb/geojson"
)

// Neighbours is a binary spatial weights matrix as a neighbour list:
// nb[i] holds the indices of the units adjacent to unit i (weight 1), without
// i itself. A unit with an empty list is an island. Queen contiguity of desa
// and k-ring (GridDisk) of H3 cells are both symmetric, but the statistics do
// not require symmetry.
type Neighbours [][]int

// Validate checks that the list describes n units: one list per unit, every
// index in range, no unit listed as its own neighbour, no neighbour twice (a
// repeat would silently become weight 2).
func (nb Neighbours) Validate(n int) error {
	if len(nb) != n {
		return fmt.Errorf("neighbour list has %d units, want %d", len(nb), n)
	}
	seen := make(map[int]bool)
	for i, list := range nb {
		clear(seen)
		for _, j := range list {
			switch {
			case j < 0 || j >= n:
				return fmt.Errorf("unit %d: neighbour %d out of range [0, %d)", i, j, n)
			case j == i:
				return fmt.Errorf("unit %d lists itself as a neighbour", i)
			case seen[j]:
				return fmt.Errorf("unit %d lists neighbour %d twice", i, j)
			}
			seen[j] = true
		}
	}
	return nil
}

// mustFit panics when nb does not describe the values: the lists come from
// PostGIS or H3, never from a user, so a mismatch is a programming error.
func (nb Neighbours) mustFit(values []float64) {
	if err := nb.Validate(len(values)); err != nil {
		panic("geo: " + err.Error())
	}
}

// Confidence levels of the Gi* bins, as two-sided significance levels and
// the |z| they correspond to.
var giLevels = []struct {
	bin   int
	alpha float64
	z     float64
}{
	{3, 0.01, 2.576},
	{2, 0.05, 1.960},
	{1, 0.10, 1.645},
}

// GiStar is the Getis-Ord Gi* result of one unit.
type GiStar struct {
	Z float64 // z-score; NaN for an island
	P float64 // two-sided normal p-value; NaN for an island
	// Bin is the confidence bin: +3/+2/+1 a hot spot at 99/95/90 %, -3/-2/-1
	// a cold spot, 0 not significant (and always 0 for an island).
	Bin    int
	Island bool // no neighbours: the statistic is not defined, print null
}

// GetisOrdGiStar computes Gi* (Ord & Getis 1995) with binary weights and the
// unit itself included, as PySAL esda G_Local(star=True, transform='B'):
//
//	z_i = (sum_j w_ij x_j - mean * W_i) / (S * sqrt((n * S1_i - W_i^2) / (n - 1)))
//
// with W_i = sum_j w_ij and S1_i = sum_j w_ij^2 (both the neighbour count plus
// one), S the population standard deviation of all n values. Islands keep
// their value in the mean and S but get no z (Island, Z and P NaN). When all
// values are equal (S = 0) nothing stands out: every z is 0 and p 1. A unit
// whose neighbourhood is the whole field has a zero denominator and a zero
// numerator (its local sum is the global sum): its z is 0 too.
// values must be finite; nb must pass Validate(len(values)).
func GetisOrdGiStar(values []float64, nb Neighbours) []GiStar {
	nb.mustFit(values)
	n := float64(len(values))
	mean, variance := meanVariance(values)
	s := math.Sqrt(variance)
	out := make([]GiStar, len(values))
	for i, x := range values {
		if len(nb[i]) == 0 {
			out[i] = GiStar{Z: math.NaN(), P: math.NaN(), Island: true}
			continue
		}
		w := float64(len(nb[i]) + 1) // W_i = S1_i with binary weights
		spread := n*w - w*w
		if s == 0 || spread == 0 {
			out[i] = GiStar{Z: 0, P: 1}
			continue
		}
		sum := x
		for _, j := range nb[i] {
			sum += values[j]
		}
		z := (sum - mean*w) / (s * math.Sqrt(spread/(n-1)))
		out[i] = GiStar{Z: z, P: math.Erfc(math.Abs(z) / math.Sqrt2), Bin: confidenceBin(z)}
	}
	return out
}

// confidenceBin is +-3/2/1 at |z| >= 2.576 / 1.960 / 1.645, else 0.
func confidenceBin(z float64) int {
	for _, l := range giLevels {
		if math.Abs(z) >= l.z {
			if z < 0 {
				return -l.bin
			}
			return l.bin
		}
	}
	return 0
}

// FDRBins returns the Gi* results with their bins recomputed under the
// Benjamini-Hochberg false-discovery-rate correction, as ArcGIS does: a unit
// keeps bin +-3 only if its p-value is significant at FDR 0.01, +-2 at 0.05,
// +-1 at 0.10, and never rises above its uncorrected bin. Z and P are
// unchanged; islands are left out of the correction (they are not tests).
func FDRBins(stats []GiStar) []GiStar {
	p := make([]float64, len(stats))
	for i, g := range stats {
		p[i] = g.P
	}
	out := make([]GiStar, len(stats))
	copy(out, stats)
	level := make([]int, len(stats)) // highest bin level significant under FDR
	for _, l := range giLevels {
		for i, significant := range BenjaminiHochberg(p, l.alpha) {
			if significant && level[i] == 0 {
				level[i] = l.bin
			}
		}
	}
	for i, g := range out {
		bin := min(abs(g.Bin), level[i])
		if g.Bin < 0 {
			bin = -bin
		}
		out[i].Bin = bin
	}
	return out
}

// BenjaminiHochberg reports which p-values are significant at false-discovery
// rate alpha (the step-up procedure: with the m p-values sorted, the k
// smallest pass for the largest k with p_(k) <= k * alpha / m). NaN p-values
// (islands) are not tests: they never pass and do not count in m.
func BenjaminiHochberg(p []float64, alpha float64) []bool {
	order := make([]int, 0, len(p))
	for i, v := range p {
		if !math.IsNaN(v) {
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return p[order[a]] < p[order[b]] })
	m := float64(len(order))
	passing := 0
	for k, i := range order {
		if p[i]*m <= float64(k+1)*alpha {
			passing = k + 1
		}
	}
	significant := make([]bool, len(p))
	for _, i := range order[:passing] {
		significant[i] = true
	}
	return significant
}

// Quadrant places a unit on the Moran scatter plot: its own value against
// the mean of its neighbours' values, each high or low against the mean.
type Quadrant string

const (
	HighHigh   Quadrant = "HH" // a hot spot: high among high
	LowHigh    Quadrant = "LH" // an outlier: low among high
	LowLow     Quadrant = "LL" // a cold spot: low among low
	HighLow    Quadrant = "HL" // an outlier: high among low (a vulnerable desa among calm ones)
	NoQuadrant Quadrant = ""   // an island, or a field where all values are equal
)

// Moran is the Local Moran's I result of one unit.
type Moran struct {
	I        float64 // NaN for an island
	Quadrant Quadrant
	// P is the pseudo p-value of the conditional permutation test, in
	// (0, 1]; NaN for an island.
	P      float64
	Island bool
}

// LocalMoran computes Local Moran's I (Anselin 1995) with row-standardised
// weights and the unit itself excluded, as PySAL esda Moran_Local:
//
//	I_i = z_i * sum_j w_ij z_j / m2,  w_ij = 1 / (neighbours of i)
//
// with z the deviations from the mean and m2 = sum z^2 / n. A value above the
// mean is high, at or below it low (esda's rule), for the unit and for its
// spatial lag. The p-value is a conditional permutation test: unit i keeps
// its value and gets as many neighbours as it has, drawn at random without
// replacement from the other n-1 units, permutations times; with larger the
// count of draws at least as extreme as observed (I_perm >= I_i when I_i >= 0,
// I_perm <= I_i when I_i < 0; ties count), p = (larger + 1) / (permutations
// + 1). Unit i's draws come from a PCG seeded with (seed, i), so a seed gives
// the same p-values on every run. Islands keep their value in the mean and
// m2 but get no statistic (Island, I and P NaN). When all values are equal
// (m2 = 0) every I is 0 with p 1 and no quadrant. permutations 0 skips the
// test (p 1). values must be finite; nb must pass Validate(len(values)).
func LocalMoran(values []float64, nb Neighbours, permutations int, seed uint64) []Moran {
	nb.mustFit(values)
	mean, m2 := meanVariance(values)
	z := make([]float64, len(values))
	for i, x := range values {
		z[i] = x - mean
	}
	// Sums of the same values in another order may differ in the last bits:
	// differences below tieTolerance per value count as ties.
	tieTolerance := 1e-9 * math.Sqrt(m2)
	others := make([]int, 0, len(values))
	out := make([]Moran, len(values))
	for i, list := range nb {
		k := len(list)
		switch {
		case k == 0:
			out[i] = Moran{I: math.NaN(), P: math.NaN(), Island: true}
			continue
		case m2 == 0:
			out[i] = Moran{I: 0, P: 1}
			continue
		}
		observedSum := 0.0
		for _, j := range list {
			observedSum += z[j]
		}
		lag := observedSum / float64(k)
		observed := z[i] * lag / m2
		quadrant := LowLow
		switch high, highLag := z[i] > 0, lag > 0; {
		case high && highLag:
			quadrant = HighHigh
		case !high && highLag:
			quadrant = LowHigh
		case high && !highLag:
			quadrant = HighLow
		}

		others = others[:0]
		for j := range values {
			if j != i {
				others = append(others, j)
			}
		}
		rng := rand.New(rand.NewPCG(seed, uint64(i)))
		larger := 0
		for range permutations {
			sum := 0.0
			for d := range k { // partial Fisher-Yates: the first k of others
				r := d + rng.IntN(len(others)-d)
				others[d], others[r] = others[r], others[d]
				sum += z[others[d]]
			}
			// sign of I_perm - observed, 0 for a tie
			diff := 0.0
			if math.Abs(sum-observedSum) > tieTolerance*float64(k) {
				diff = z[i] * (sum - observedSum)
			}
			if (observed >= 0 && diff >= 0) || (observed < 0 && diff <= 0) {
				larger++
			}
		}
		out[i] = Moran{
			I:        observed,
			Quadrant: quadrant,
			P:        float64(larger+1) / float64(permutations+1),
		}
	}
	return out
}

// meanVariance returns the mean and the population variance (divided by n).
// Equal values give exactly (value, 0): their float mean may be off in the
// last bit, which would turn a constant field into noise with a tiny spread.
func meanVariance(values []float64) (mean, variance float64) {
	if len(values) == 0 {
		return 0, 0
	}
	if slices.Min(values) == slices.Max(values) {
		return values[0], 0
	}
	for _, x := range values {
		mean += x
	}
	mean /= float64(len(values))
	for _, x := range values {
		variance += (x - mean) * (x - mean)
	}
	return mean, variance / float64(len(values))
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// ParsePolygonArea reads the polygon of an analysis' area: a GeoJSON Polygon
// or MultiPolygon geometry object, or WKT POLYGON or MULTIPOLYGON, in
// longitude, latitude (CRS84), with at most maxVertices positions. Its rings
// must pass the checks of an imported boundary (checkPolygons); whether they
// cross themselves is for PostGIS to say.
func ParsePolygonArea(s string, maxVertices int) (orb.MultiPolygon, error) {
	s = strings.TrimSpace(s)
	var g orb.Geometry
	if strings.HasPrefix(s, "{") {
		geom, err := geojson.UnmarshalGeometry([]byte(s))
		if err != nil {
			return nil, fmt.Errorf("not a GeoJSON geometry object: %w", err)
		}
		g = geom.Geometry()
	} else {
		var err error
		if g, err = wkt.Unmarshal(s); err != nil {
			return nil, fmt.Errorf("neither a GeoJSON geometry object nor WKT: %w", err)
		}
	}
	var mp orb.MultiPolygon
	switch g := g.(type) {
	case orb.Polygon:
		mp = orb.MultiPolygon{g}
	case orb.MultiPolygon:
		mp = g
	default:
		return nil, fmt.Errorf("a %s; want a Polygon or MultiPolygon", g.GeoJSONType())
	}
	vertices := 0
	for _, p := range mp {
		for _, r := range p {
			if vertices += len(r); vertices > maxVertices {
				return nil, fmt.Errorf("more than %d vertices; simplify the polygon", maxVertices)
			}
			for _, pt := range r {
				if math.IsNaN(pt[0]) || math.IsNaN(pt[1]) { // WKT may spell NaN; ranges do not catch it
					return nil, fmt.Errorf("coordinate [%g, %g] is not a number", pt[0], pt[1])
				}
			}
		}
	}
	return mp, checkPolygons(mp)
}
