package geo

import (
	"compress/gzip"
	"math"
	"math/rand/v2"
	"os"
	"sync"
	"testing"

	"github.com/paulmach/orb/planar"
)

// bantenDesa is a desa of testdata/banten/desa.geojson.gz: its code, a
// point (the polygon's centroid) and its TPS count (0 when unknown).
type bantenDesa struct {
	DemoDesa
	TPS int
}

var loadBanten = sync.OnceValues(func() ([]bantenDesa, error) {
	f, err := os.Open("../testdata/banten/desa.geojson.gz")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	var out []bantenDesa
	br := NewBoundaryReader(zr)
	for br.Next() {
		b := br.Boundary()
		c, _ := planar.CentroidArea(b.Geometry)
		d := bantenDesa{DemoDesa: DemoDesa{Code: b.Code, Lon: c[0], Lat: c[1]}}
		if b.TPSCount != nil {
			d.TPS = *b.TPSCount
		}
		out = append(out, d)
	}
	return out, br.Err()
})

// banten returns the Banten desa, failing the test if they cannot be read.
func banten(t *testing.T) []bantenDesa {
	t.Helper()
	ds, err := loadBanten()
	if err != nil {
		t.Fatalf("read Banten desa: %v", err)
	}
	// DOMAIN.md: Banten has 1,552 desa/kelurahan.
	if len(ds) != 1552 {
		t.Fatalf("read %d Banten desa, want 1552", len(ds))
	}
	return ds
}

var demoPhases = []string{"kampanye", "masa_tenang", "pemungutan_suara", "penghitungan", "rekapitulasi"}

func TestDemoScoreIsDeterministic(t *testing.T) {
	cases := []struct {
		election, phase string
		d               DemoDesa
	}{
		{"pemilu-2024", "rekapitulasi", DemoDesa{Code: "36.72.01.1001", Lon: 106.05, Lat: -6.02}},
		{"pemilu-2024", "kampanye", DemoDesa{Code: "36.01.01.2001", Lon: 105.59, Lat: -6.65}},
		{"pilkada-2024", "pemungutan_suara", DemoDesa{Code: "36.03.01.2001", Lon: 106.45, Lat: -6.2}},
	}
	for _, c := range cases {
		first := DemoScore(c.election, c.phase, c.d)
		for range 3 {
			if again := DemoScore(c.election, c.phase, c.d); again != first {
				t.Errorf("DemoScore(%s, %s, %s) gave %+v, then %+v", c.election, c.phase, c.d.Code, first, again)
			}
		}
	}
}

func TestDemoScoresLieInZeroToHundredWithCompositeTheMeanOfDimensions(t *testing.T) {
	ds := banten(t)
	for _, election := range []string{"pemilu-2024", "pilkada-2024"} {
		for _, phase := range append(demoPhases, "unknown-phase") {
			for _, d := range ds {
				s := DemoScore(election, phase, d.DemoDesa)
				mean := 0.0
				for i, v := range s.Dimensions {
					if v < 0 || v > 100 || math.IsNaN(v) {
						t.Fatalf("%s %s %s: dimension %d = %v, want 0..100", election, phase, d.Code, i, v)
					}
					mean += v / 4
				}
				if s.Composite < 0 || s.Composite > 100 || math.IsNaN(s.Composite) {
					t.Fatalf("%s %s %s: composite = %v, want 0..100", election, phase, d.Code, s.Composite)
				}
				// Scores are stored with two decimals, so allow one unit of rounding.
				if math.Abs(s.Composite-mean) > 0.01+1e-9 {
					t.Fatalf("%s %s %s: composite %v, mean of dimensions %v = %v", election, phase, d.Code, s.Composite, s.Dimensions, mean)
				}
			}
		}
	}
}

func TestDemoScoreDiffersBetweenPhases(t *testing.T) {
	ds := banten(t)
	for i, a := range demoPhases {
		for _, b := range demoPhases[i+1:] {
			differ := 0
			for _, d := range ds {
				if DemoScore("pemilu-2024", a, d.DemoDesa) != DemoScore("pemilu-2024", b, d.DemoDesa) {
					differ++
				}
			}
			// "In general": most desa, not necessarily all (two tiny scores may both round to 0).
			if differ < len(ds)*9/10 {
				t.Errorf("phases %s and %s give different scores for only %d of %d desa", a, b, differ, len(ds))
			}
		}
	}
}

func TestDemoScoreThreatsPeakInTheirPhase(t *testing.T) {
	// DOMAIN.md: clashes (kontestasi) peak in kampanye, money politics
	// (partisipasi) in masa tenang. Compare each dimension's Banten mean.
	ds := banten(t)
	mean := func(phase string, dim Dimension) float64 {
		sum := 0.0
		for _, d := range ds {
			sum += DemoScore("pemilu-2024", phase, d.DemoDesa).Dimensions[dim]
		}
		return sum / float64(len(ds))
	}
	for _, c := range []struct {
		dim  Dimension
		peak string
	}{{Contestation, "kampanye"}, {Participation, "masa_tenang"}} {
		top := mean(c.peak, c.dim)
		for _, p := range demoPhases {
			if p == c.peak {
				continue
			}
			if m := mean(p, c.dim); m >= top {
				t.Errorf("dimension %d: mean %.2f in %s, not below %.2f in %s", c.dim, m, p, top, c.peak)
			}
		}
	}
}

func TestDemoScoresAreSpatiallyClustered(t *testing.T) {
	ds := banten(t)
	composite := make([]float64, len(ds))
	for i, d := range ds {
		composite[i] = DemoScore("pemilu-2024", "rekapitulasi", d.DemoDesa).Composite
	}
	// Mean |difference| between each desa and its nearest other desa (centroid distance).
	nearDiff := 0.0
	for i, a := range ds {
		best, bestDist := -1, math.Inf(1)
		for j, b := range ds {
			if i == j {
				continue
			}
			if dist := math.Hypot(a.Lon-b.Lon, a.Lat-b.Lat); dist < bestDist {
				best, bestDist = j, dist
			}
		}
		nearDiff += math.Abs(composite[i] - composite[best])
	}
	nearDiff /= float64(len(ds))
	// The same over random pairs of distinct desa.
	r := rand.New(rand.NewPCG(2024, 214))
	const pairs = 20000
	randDiff := 0.0
	for range pairs {
		i, j := r.IntN(len(ds)), r.IntN(len(ds)-1)
		if j >= i {
			j++
		}
		randDiff += math.Abs(composite[i] - composite[j])
	}
	randDiff /= pairs
	t.Logf("mean |difference|: nearest neighbour %.2f, random pair %.2f", nearDiff, randDiff)
	if !(nearDiff < randDiff/2) {
		t.Errorf("nearest neighbours differ by %.2f on average, random pairs by %.2f; want less than half", nearDiff, randDiff)
	}
}

func TestDemoScoresAreMostlyLowWithAFewHigh(t *testing.T) {
	ds := banten(t)
	counts := map[Category]int{}
	for _, d := range ds {
		counts[shippedThresholds()[Desa].Categorize(DemoScore("pemilu-2024", "rekapitulasi", d.DemoDesa).Composite)]++
	}
	n := float64(len(ds))
	rendah, tinggi := float64(counts[Rendah])/n, float64(counts[Tinggi])/n
	t.Logf("Banten, pemilu-2024 rekapitulasi: %d rendah, %d sedang, %d tinggi", counts[Rendah], counts[Sedang], counts[Tinggi])
	if rendah < 0.70 {
		t.Errorf("%.1f %% of desa are rendah, want at least 70 %%", 100*rendah)
	}
	if tinggi < 0.005 || tinggi > 0.10 {
		t.Errorf("%.1f %% of desa are tinggi, want between 0.5 %% and 10 %%", 100*tinggi)
	}
}
