package geo

import (
	"hash/fnv"
	"math"
	"strconv"
)

// DemoDesa is what the demo model needs to know of a desa.
type DemoDesa struct {
	Code     Code
	Lon, Lat float64 // a point inside the desa
}

// DemoScore is the demo model's latent risk of a desa in a phase of an
// election: a deterministic, made-up score from which DemoObservations and
// DemoIncidents draw the demo inputs, so that the scores computed from them
// are explainable like real ones. There is no public desa-level risk data, so
// the demo imitates its shape, not its content:
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

// DemoObservation is one made-up observation of a desa (TPS 0) or of one of its TPS.
type DemoObservation struct {
	Indicator string
	TPS       int
	Value     float64
}

// DemoIncident is one made-up incident: its type, when in the phase it
// happened (0 = start, 1 = end) and a seed that places it in the desa.
type DemoIncident struct {
	Type string
	At   float64
	Seed int64
}

// demoRisk is the latent risk (0..1) of a desa in the dimension of an indicator.
func demoRisk(latent Score, ind Indicator) float64 { return latent.Dimensions[ind.Dimension] / 100 }

// demoExpected is the raw value an indicator takes on average at latent risk p:
// p of the way up its reference range, so that the indicator's normalized
// value averages p and the computed scores follow the latent ones.
func demoExpected(ind Indicator, p float64, tpsCount int) float64 {
	v := ind.RefMin + p*(ind.RefMax-ind.RefMin)
	if ind.Normalization == PerTPS {
		v *= float64(max(tpsCount, 1))
	}
	return v
}

// DemoObservations draws the demo observations of a desa in a phase from its
// latent risk (DemoScore): a binary indicator is 1 with probability p (the
// latent risk of its dimension), each TPS of a TPS indicator is flagged with
// probability p/2 (the reference range of TPS shares ends at one half), a
// count is a Poisson draw averaging p of its reference range, and a rate lies
// p of the way towards its risky end, give or take 0.1 of the range. Only
// non-zero values are written, since a missing indicator counts as 0; rates
// always are, so every desa has demo inputs.
func DemoObservations(election, phase string, d DemoDesa, tpsCount int, indicators []Indicator) []DemoObservation {
	latent := DemoScore(election, phase, d)
	var out []DemoObservation
	for _, ind := range indicators {
		if ind.IncidentType != "" {
			continue
		}
		p := demoRisk(latent, ind)
		draw := func(parts ...string) float64 {
			return unitFloat(seedOf(append([]string{election, phase, ind.Code, string(d.Code)}, parts...)...))
		}
		switch {
		case ind.Unit == UnitTPS:
			for t := 1; t <= tpsCount; t++ {
				if draw(strconv.Itoa(t)) < p/2 {
					out = append(out, DemoObservation{Indicator: ind.Code, TPS: t, Value: 1})
				}
			}
		case ind.ValueType == Binary:
			if draw() < p {
				out = append(out, DemoObservation{Indicator: ind.Code, Value: 1})
			}
		case ind.ValueType == Count:
			if n := poisson(demoExpected(ind, p, tpsCount), draw()); n > 0 {
				out = append(out, DemoObservation{Indicator: ind.Code, Value: float64(n)})
			}
		default:
			at := p + 0.2*(draw()-0.5)
			if ind.Direction < 0 {
				at = 1 - at
			}
			v := ind.RefMin + at*(ind.RefMax-ind.RefMin)
			out = append(out, DemoObservation{Indicator: ind.Code, Value: math.Max(0, math.Round(v*1000)/1000)})
		}
	}
	return out
}

// DemoIncidents draws the demo incidents of a desa in a phase: for each
// incident indicator, a Poisson number averaging 2p² of its reference range
// (p the latent risk of its dimension, 2p² capped at 1), spread over the
// phase. Incidents are rarer than other signals and gather where the risk is
// high: below p = 0.5 there are fewer than p would give, above it more.
func DemoIncidents(election, phase string, d DemoDesa, tpsCount int, indicators []Indicator) []DemoIncident {
	latent := DemoScore(election, phase, d)
	var out []DemoIncident
	for _, ind := range indicators {
		if ind.IncidentType == "" {
			continue
		}
		seed := seedOf(election, phase, ind.IncidentType, string(d.Code))
		p := demoRisk(latent, ind)
		n := poisson(demoExpected(ind, math.Min(1, 2*p*p), tpsCount), unitFloat(seed))
		for i := range n {
			s := splitmix64(seed + uint64(i) + 1)
			out = append(out, DemoIncident{Type: ind.IncidentType, At: unitFloat(s), Seed: int64(s>>34) + 1})
		}
	}
	return out
}

// poisson draws from a Poisson distribution of mean lambda by inverting its
// distribution function at u in [0, 1).
func poisson(lambda, u float64) int {
	p := math.Exp(-lambda)
	cum, k := p, 0
	for u > cum && k < 1000 {
		k++
		p *= lambda / float64(k)
		cum += p
	}
	return k
}
