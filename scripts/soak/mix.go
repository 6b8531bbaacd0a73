package main

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"

	"github.com/petarawan/petarawan/geo"
)

// request is one HTTP request of the mix.
type request struct {
	method, path      string
	contentType, body string
}

// route is one kind of request and its weight in the mix (out of the sum of
// all weights); an editor route's requests carry the token. build draws the
// request's parameters from r alone, so that a seed gives every client the
// same sequence on every run.
type route struct {
	name   string
	weight int
	editor bool
	build  func(r *rand.Rand, f *fixtures) request
}

// mix is the weighted load: mostly the reads a map, a GIS client and a
// planner make, and about 3 % writes. Every request is valid: a 4xx in the
// report is a finding (or a rate limit), not noise.
var mix = []route{
	{"items desa", 14, false, func(r *rand.Rand, f *fixtures) request {
		q := url.Values{"limit": {fmt.Sprint(pick(r, []int{10, 100, 500, 1000}))}}
		switch r.IntN(4) {
		case 0:
			q.Set("kabupaten_code", pick(r, f.kabupaten).code)
		case 1:
			q.Set("category", pick(r, []string{"rendah", "sedang", "tinggi"}))
		case 2:
			q.Set("offset", fmt.Sprint(r.IntN(len(f.desa))))
		}
		if r.IntN(2) == 0 {
			q.Set("sortby", pick(r, []string{"-score", "name", "-tps_count,name", "score_contestation"}))
		}
		if r.IntN(3) == 0 {
			q.Set("properties", "code,name,score,category")
		}
		f.setPhase(r, q)
		return get("/collections/desa/items", q)
	}},
	{"items bbox", 7, false, func(r *rand.Rand, f *fixtures) request {
		p, half := pick(r, f.desa), 0.02+0.08*r.Float64()
		q := url.Values{"limit": {"1000"}, "bbox": {fmt.Sprintf("%.4f,%.4f,%.4f,%.4f", p.lon-half, p.lat-half, p.lon+half, p.lat+half)}}
		f.setPhase(r, q)
		return get("/collections/desa/items", q)
	}},
	{"items other", 5, false, func(r *rand.Rand, f *fixtures) request {
		q := url.Values{"limit": {"100"}}
		collection := pick(r, []string{"kecamatan", "kabupaten", "insiden", "h3-7"})
		switch collection {
		case "kecamatan":
			q.Set("kabupaten_code", pick(r, f.kabupaten).code)
		case "insiden":
			q.Set("kabupaten_code", pick(r, f.kabupaten).code)
			f.setPhase(r, q)
		}
		return get("/collections/"+collection+"/items", q)
	}},
	{"item", 10, false, func(r *rand.Rand, f *fixtures) request {
		units := pick(r, [][]place{f.desa, f.desa, f.kecamatan, f.kabupaten})
		code := pick(r, units).code
		collection := geo.Code(code).Level().String()
		if r.IntN(2) == 0 {
			code = strings.ReplaceAll(code, ".", "")
		}
		q := url.Values{}
		f.setPhase(r, q)
		return get("/collections/"+collection+"/items/"+code, q)
	}},
	{"explain", 3, false, func(r *rand.Rand, f *fixtures) request {
		q := url.Values{}
		f.setPhase(r, q)
		return get("/collections/desa/items/"+pick(r, f.desa).code+"/explain", q)
	}},
	{"tile desa", 15, false, func(r *rand.Rand, f *fixtures) request {
		return tile(r, f, "desa", 8+r.IntN(7)) // z8-14
	}},
	{"tile admin", 6, false, func(r *rand.Rand, f *fixtures) request {
		if r.IntN(2) == 0 {
			return tile(r, f, "kabupaten", 4+r.IntN(6)) // z4-9
		}
		return tile(r, f, "kecamatan", 7+r.IntN(5)) // z7-11
	}},
	{"tile h3", 8, false, func(r *rand.Rand, f *fixtures) request {
		return tile(r, f, "h3", 8+r.IntN(6)) // z8-13: res 5-9
	}},
	{"h3 area", 5, false, func(r *rand.Rand, f *fixtures) request {
		q := url.Values{"area": {pick(r, f.kabupaten).code}}
		if r.IntN(4) == 0 {
			q.Set("f", "csv")
		}
		f.setPhase(r, q)
		return get(fmt.Sprintf("/h3/%d", 5+r.IntN(4)), q) // res 5-8
	}},
	{"hotspots desa", 5, false, func(r *rand.Rand, f *fixtures) request {
		area := pick(r, f.kabupaten).code
		if r.IntN(5) == 0 {
			area = "36" // all of Banten, 1,552 desa
		}
		q := url.Values{"area": {area}}
		switch r.IntN(4) {
		case 0:
			q.Set("fdr", "true")
		case 1:
			q.Set("value", "incidents")
		case 2:
			q.Set("method", "moran")
			q.Set("permutations", "99")
			q.Set("seed", fmt.Sprint(r.IntN(100)))
		}
		f.setPhase(r, q)
		return get("/hotspots", q)
	}},
	{"hotspots h3", 3, false, func(r *rand.Rand, f *fixtures) request {
		q := url.Values{"area": {pick(r, f.kabupaten).code}, "unit": {"h3"},
			"res": {fmt.Sprint(6 + r.IntN(3))}, "k": {fmt.Sprint(1 + r.IntN(2))}}
		f.setPhase(r, q)
		return get("/hotspots", q)
	}},
	{"area summary", 5, false, func(r *rand.Rand, f *fixtures) request {
		units := pick(r, [][]place{f.kabupaten, f.kecamatan})
		q := url.Values{"top": {fmt.Sprint(1 + r.IntN(20))}}
		f.setPhase(r, q)
		return get("/areas/"+pick(r, units).code+"/summary", q)
	}},
	{"plan", 4, false, func(r *rand.Rand, f *fixtures) request {
		path := "/plan/deployment"
		if r.IntN(4) == 0 {
			path += "?f=csv"
		}
		body := fmt.Sprintf(`{"available": %d, "reserve": %d, "areas": [%q], "phase": %q}`,
			100+r.IntN(1400), r.IntN(50), pick(r, f.kabupaten).code, pick(r, f.phases))
		return request{method: "POST", path: path, contentType: "application/json", body: body}
	}},
	{"search", 7, false, func(r *rand.Rand, f *fixtures) request {
		p := pick(r, f.desa)
		q := []rune(p.name)
		if len(q) > 3 {
			q = q[:3+r.IntN(len(q)-3)] // a prefix of a desa's name
		}
		if r.IntN(4) == 0 {
			q = []rune(strings.ReplaceAll(p.code, ".", "")[:4+r.IntN(4)]) // a code prefix
		}
		return get("/search", url.Values{"q": {string(q)}, "limit": {fmt.Sprint(1 + r.IntN(50))}})
	}},
	{"POST observations", 2, true, func(r *rand.Rand, f *fixtures) request {
		body := fmt.Sprintf(`{"indicator": %q, "unit_code": %q, "election": %q, "phase": %q, "value": %d, "source": "polres", "observed_at": %q}`,
			pick(r, []string{"riwayat_konflik_massa", "riwayat_kekerasan_pemilu"}), pick(r, f.desa).code, f.election,
			pick(r, f.phases), r.IntN(2), time.Now().Add(-time.Hour).Format(time.RFC3339))
		return request{method: "POST", path: "/observations", contentType: "application/json", body: body}
	}},
	{"POST insiden", 1, true, func(r *rand.Rand, f *fixtures) request {
		p := pick(r, f.desa) // its lon/lat is a point inside it
		body := fmt.Sprintf(`{"type": "Feature", "geometry": {"type": "Point", "coordinates": [%g, %g]},
			"properties": {"type": %q, "occurred_at": %q, "source": "bawaslu", "description": "soak"}}`,
			p.lon, p.lat, pick(r, []string{"konflik_massa", "intimidasi", "politik_uang"}),
			pick(r, []string{"2024-01-15T10:30:00+07:00", "2024-02-12T21:15:00+07:00", "2024-02-14T20:00:00+07:00"}))
		return request{method: "POST", path: "/collections/insiden/items", contentType: "application/geo+json", body: body}
	}},
}

// pick is an element of xs drawn from r.
func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// get is a GET of path with the query q.
func get(path string, q url.Values) request {
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	return request{method: "GET", path: path}
}

// tile is the tile of layer at zoom z over a random desa, as the map asks for it.
func tile(r *rand.Rand, f *fixtures, layer string, z int) request {
	p := pick(r, f.desa)
	t := geo.TileAt(p.lon, p.lat, z)
	q := url.Values{}
	f.setPhase(r, q)
	return get(fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", layer, t.Z, t.X, t.Y), q)
}
