package geo

import (
	"hash/fnv"
	"math"
)

// DemoDesa is what the demo model needs to know of a desa.
type DemoDesa struct {
	Code     Code
	Lon, Lat float64 // a point inside the desa
}

// DemoScore is the demo model: a deterministic, made-up score for a desa in a
// phase of an election. There is no public desa-level risk data, so the demo
// scores imitate its shape, not its content:
//
//   - Spatial clusters. Each dimension is a mix of a field shared by all four
//     dimensions (weight 0.65; regional tension, features ~20 km wide), a field of its own
//     (0.25; ~4-12 km) and a desa's own noise (0.10). The fields are value noise: random
//     values on a lattice of lon/lat cells, smoothly interpolated, so nearby
//     desa get similar scores and hotspots exist.
//   - Mostly low. The mix (0..1) is raised to the power 6 and scaled by 2, so most desa score
//     low and few high: on Banten ~82 % rendah, ~15 % sedang, 2-4 % tinggi
//     (police class ~97 % of TPS as kurang rawan).
//   - Phases differ. Each dimension is scaled per phase: contestation (clashes
//     between supporters) peaks in kampanye, participation (money politics) in
//     masa tenang, administration in penghitungan and rekapitulasi.
//
// The composite is the mean of the four dimensions. Inputs are the election
// and phase codes, the desa code and its point, so the same data always gives
// the same map.
func DemoScore(election, phase string, d DemoDesa) Score {
	regional := valueNoise(seedOf(election, "regional"), d.Lon/0.18, d.Lat/0.18)
	scale, ok := demoPhaseScale[phase]
	if !ok {
		scale = [4]float64{1, 1, 1, 1}
	}
	var s Score
	for i, dim := range Dimensions {
		name := dimensionNames[dim]
		own := 0.6*valueNoise(seedOf(election, name, "own"), d.Lon/0.11, d.Lat/0.11) +
			0.4*valueNoise(seedOf(election, name, "fine"), d.Lon/0.04, d.Lat/0.04)
		desa := unitFloat(seedOf(election, phase, name, string(d.Code)))
		mix := 0.65*regional + 0.25*own + 0.10*desa
		v := 200 * scale[dim] * math.Pow(mix, 6)
		s.Dimensions[i] = round2(math.Min(100, v))
		s.Composite += s.Dimensions[i] / float64(len(Dimensions))
	}
	s.Composite = round2(s.Composite)
	return s
}

var dimensionNames = map[Dimension]string{
	SocialPolitical: "social_political", Administration: "administration",
	Contestation: "contestation", Participation: "participation",
}

// demoPhaseScale scales each dimension per phase of a Pemilu (DOMAIN.md: money
// politics peaks in masa tenang, clashes in kampanye, protests in rekapitulasi).
// Phases of other elections are not scaled.
var demoPhaseScale = map[string][4]float64{
	//                   sosial-politik, penyelenggaraan, kontestasi, partisipasi
	"kampanye":         {1.0, 0.8, 1.5, 1.0},
	"masa_tenang":      {1.0, 0.9, 1.1, 1.5},
	"pemungutan_suara": {1.0, 1.2, 1.0, 1.2},
	"penghitungan":     {1.0, 1.4, 1.0, 0.9},
	"rekapitulasi":     {1.1, 1.5, 1.2, 0.8},
}

// seedOf hashes its parts into a 64-bit seed.
func seedOf(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// splitmix64 scrambles x into a well-mixed 64-bit value.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// unitFloat maps a seed to [0, 1).
func unitFloat(seed uint64) float64 { return float64(splitmix64(seed)>>11) / (1 << 53) }

// lattice is the random value in [0, 1) at lattice point (i, j).
func lattice(seed uint64, i, j int64) float64 {
	return unitFloat(seed ^ splitmix64(uint64(i)*0x632be59bd9b4e019^uint64(j)))
}

// valueNoise interpolates the lattice values around (x, y) with a smoothstep, giving a continuous field in [0, 1).
func valueNoise(seed uint64, x, y float64) float64 {
	fx, fy := math.Floor(x), math.Floor(y)
	i, j := int64(fx), int64(fy)
	tx, ty := smoothstep(x-fx), smoothstep(y-fy)
	top := lerp(lattice(seed, i, j), lattice(seed, i+1, j), tx)
	bottom := lerp(lattice(seed, i, j+1), lattice(seed, i+1, j+1), tx)
	return lerp(top, bottom, ty)
}

func smoothstep(t float64) float64 { return t * t * (3 - 2*t) }
func lerp(a, b, t float64) float64 { return a + (b-a)*t }

// Weighted is a score with the weight it carries when units are aggregated.
type Weighted struct {
	Score  Score
	Weight float64
}

// AggregateUp computes the scores of every enclosing unit (kecamatan,
// kabupaten, provinsi) of the given desa as the weighted mean of its desa
// (weights are TPS counts in petarawan). A unit whose desa all weigh 0 takes
// the plain mean. Results are rounded to two decimals.
func AggregateUp(desa map[Code]Weighted) map[Code]Score {
	type sum struct {
		weighted, plain Score
		weight          float64
		n               int
	}
	sums := map[Code]*sum{}
	for code, w := range desa {
		for l := Kecamatan; l >= Provinsi; l-- {
			a := code.Ancestor(l)
			s := sums[a]
			if s == nil {
				s = &sum{}
				sums[a] = s
			}
			s.weight += w.Weight
			s.n++
			s.weighted.Composite += w.Weight * w.Score.Composite
			s.plain.Composite += w.Score.Composite
			for i := range w.Score.Dimensions {
				s.weighted.Dimensions[i] += w.Weight * w.Score.Dimensions[i]
				s.plain.Dimensions[i] += w.Score.Dimensions[i]
			}
		}
	}
	out := make(map[Code]Score, len(sums))
	for code, s := range sums {
		total, div := s.weighted, s.weight
		if div == 0 {
			total, div = s.plain, float64(s.n)
		}
		var r Score
		r.Composite = round2(total.Composite / div)
		for i := range r.Dimensions {
			r.Dimensions[i] = round2(total.Dimensions[i] / div)
		}
		out[code] = r
	}
	return out
}
