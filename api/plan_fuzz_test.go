package api

import (
	"bytes"
	"cmp"
	"errors"
	"slices"
	"testing"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/geo"
)

// FuzzPlanBody: the body of POST /plan/deployment through every stage of the
// handler but the database: decodeStrict, check, and makePlan over desa made
// up for the body (fuzzPlanUnits). A body refused is a 4xx. A plan made
// shares out exactly the deployable personnel, or the need when it is lower;
// no desa gets more than its need, which is its guard need and at least the
// minimum, nor less than the minimum when the minimums are covered.
func FuzzPlanBody(f *testing.F) {
	for _, s := range []string{
		`{"available":100,"areas":["36.01"]}`,
		`{"available":5,"reserve":2,"min_per_desa":2,"areas":["3601","36.01.01.2001"],"guard_patterns":{"rawan":{"police":3,"per_tps":4}}}`,
		`{"available":1000,"areas":["36"],"tps_classes":{"36.01.01.2001":{"rawan":10,"sangat_rawan":3},"3601012003":{"kurang_rawan":1000}}}`,
		`{"available":7,"areas":["36"],"tps_classes":{"36.01.01.2001":{"rawan":12}}}`,
		`{"available":1,"areas":["36"],"tps_classes":{"36.01.01.2004":{"aman":1}}}`,
		`{"available":-1,"reserve":9,"areas":[],"guard_patterns":{"aman":{"police":1,"per_tps":0}}}`,
		`{"available":1e400,"areas":["36"]}`,
		`{"available":10,"areas":["36"],"extra":true}`,
		`[{"available":10}]`,
		`{"available":10,"areas":["36"]} {}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var b planBody
		if err := decodeStrict(bytes.NewReader(body), &b); err != nil {
			if status := problemFor(err).Status; status < 400 || status > 499 {
				t.Fatalf("%s: decoding answers %d (%v)", body, status, err)
			}
			return
		}
		in, err := b.check()
		if err != nil {
			wantInvalidInput(t, body, err)
			return
		}
		switch {
		case in.available < 0 || in.available > MaxPersonnel, in.reserve < 0 || in.reserve > in.available,
			in.minPerDesa < 0 || in.minPerDesa > MaxMinPerDesa, len(in.areas) < 1 || len(in.areas) > MaxPlanAreas,
			in.patterns.Validate() != nil:
			t.Fatalf("%s: checked as %+v", body, in)
		}
		for i, a := range in.areas {
			if slices.Contains(in.areas[:i], a) {
				t.Fatalf("%s: area %s twice", body, a)
			}
		}
		units := fuzzPlanUnits(in)
		p, err := makePlan(in, "pemilu-2024", "pemungutan", units, MaxPlanDesa)
		if err != nil {
			wantInvalidInput(t, body, err)
			return
		}
		tot := p.Totals
		if tot.Desa != len(units.Desa) || tot.Deployable != in.available-in.reserve || tot.Allocated != min(tot.Need, tot.Deployable) {
			t.Fatalf("%s: totals %+v for %d desa", body, tot, len(units.Desa))
		}
		minimumsCovered := in.minPerDesa*len(units.Desa) <= tot.Deployable
		need, allocated := 0, 0
		for _, d := range p.desa {
			if d.Allocated < 0 || d.Allocated > d.Need || d.Shortfall != d.Need-d.Allocated || d.Min != in.minPerDesa ||
				d.Need != max(in.minPerDesa, guardNeed(in.patterns, d.TPSClasses)) || minimumsCovered && d.Allocated < d.Min {
				t.Fatalf("%s: desa %+v", body, d)
			}
			if given, ok := in.tpsClasses[d.Code]; ok && (d.ClassedBy != geo.ClassedByPlanner || d.TPSClasses.Total() != given.Total()) {
				t.Fatalf("%s: desa %s given %v, classed %v by %s", body, d.Code, given, d.TPSClasses, d.ClassedBy)
			}
			need, allocated = need+d.Need, allocated+d.Allocated
		}
		kabupaten := 0
		for _, k := range p.Kabupaten {
			kabupaten += k.Allocated
		}
		if need != tot.Need || allocated != tot.Allocated || kabupaten != tot.Allocated {
			t.Fatalf("%s: desa need %d, allocated %d, kabupaten %d; totals %+v", body, need, allocated, kabupaten, tot)
		}
	})
}

// wantInvalidInput fails unless err is a 422 listing problems.
func wantInvalidInput(t *testing.T, body []byte, err error) {
	t.Helper()
	var invalid *data.InvalidInput
	if !errors.As(err, &invalid) || len(invalid.Problems) == 0 {
		t.Fatalf("%s: error %v (%T); want a 422 listing the problems", body, err, err)
	}
}

// fuzzPlanUnits stands in for the database: every area exists, with two desa
// of its own (13 TPS scored sedang; no TPS count) and the desa tps_classes
// names, whose TPS count is unknown.
func fuzzPlanUnits(in planInput) *data.PlanUnits {
	units := &data.PlanUnits{}
	for _, a := range in.areas {
		units.Areas = append(units.Areas, data.PlanArea{Code: a, Name: "Area " + string(a)})
	}
	tps, score := 13, 55.5
	units.Desa = []data.PlanDesa{
		{Code: "36.01.01.2001", Name: "Sedang", Kecamatan: "Kec", Kabupaten: "Kab", TPS: &tps, Score: &score, Category: geo.Sedang},
		{Code: "36.01.01.2002", Name: "Tanpa TPS", Kecamatan: "Kec", Kabupaten: "Kab"},
	}
	for code := range in.tpsClasses {
		if code != "36.01.01.2001" && code != "36.01.01.2002" {
			units.Desa = append(units.Desa, data.PlanDesa{Code: code, Name: "Desa " + string(code), Kecamatan: "Kec", Kabupaten: "Kab"})
		}
	}
	slices.SortFunc(units.Desa, func(a, b data.PlanDesa) int { return cmp.Compare(a.Code, b.Code) })
	return units
}

// guardNeed is the police tps need by the patterns, computed by hand: for
// each class, whole groups of per_tps TPS (the last one partial) of police.
func guardNeed(patterns geo.GuardPatterns, tps geo.TPSCounts) int {
	need := 0
	for class, n := range tps {
		p := patterns[class]
		groups := n / p.PerTPS
		if n%p.PerTPS != 0 {
			groups++
		}
		need += groups * p.Police
	}
	return need
}
