package data_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/data/datatest"
	"github.com/petarawan/petarawan/geo"
)

// hotspotQuery is the composite score of the desa of area in the last phase of Pemilu 2024.
func hotspotQuery(area geo.Code) data.HotspotQuery {
	return data.HotspotQuery{Election: "pemilu-2024", Phase: "rekapitulasi", Area: area, Value: data.ValueComposite, MaxUnits: 20_000}
}

// neighbourCodes is each unit's neighbours by code, sorted.
func neighbourCodes(units *data.HotspotUnits) map[string][]string {
	out := map[string][]string{}
	for i, list := range units.Neighbours {
		codes := []string{}
		for _, j := range list {
			codes = append(codes, units.Units[j].ID)
		}
		slices.Sort(codes)
		out[units.Units[i].ID] = codes
	}
	return out
}

func TestHotspotDesaNeighboursAreTheDesaOfTheAreaSharingAPoint(t *testing.T) {
	url := datatest.Banten(t)
	h := data.NewHotspots(datatest.Open(t, url))
	// Kota Serang and Kabupaten Serang around it: the kota's desa on its
	// border have neighbours outside it, which must not count.
	units, err := h.Units(context.Background(), hotspotQuery("36.73"))
	if err != nil {
		t.Fatal(err)
	}
	got := neighbourCodes(units)
	// Independently: polygons at distance 0 share a point.
	conn := datatest.Conn(t, url)
	rows, err := conn.Query(context.Background(), `
		SELECT a.code, coalesce(array_agg(b.code ORDER BY b.code) FILTER (WHERE b.code IS NOT NULL), '{}')
		FROM admin_unit a LEFT JOIN admin_unit b
		  ON b.kabupaten_code = '36.73' AND b.level = 4 AND b.code <> a.code AND ST_DWithin(a.geom, b.geom, 0)
		WHERE a.kabupaten_code = '36.73' AND a.level = 4
		GROUP BY a.code`)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{}
	var code string
	var list []string
	for rows.Next() {
		if err := rows.Scan(&code, &list); err != nil {
			t.Fatal(err)
		}
		want[code] = list
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(want) < 50 || len(got) != len(want) {
		t.Fatalf("%d desa, want %d (independent SQL)", len(got), len(want))
	}
	for code, list := range want {
		if !slices.Equal(got[code], list) {
			t.Errorf("%s: neighbours %v, want %v", code, got[code], list)
		}
	}
	outside := queryInt(t, conn, `SELECT count(*) FROM admin_unit a JOIN admin_unit b ON b.level = 4 AND ST_DWithin(a.geom, b.geom, 0)
		WHERE a.level = 4 AND a.kabupaten_code = '36.73' AND b.kabupaten_code <> '36.73'`)
	if outside == 0 {
		t.Error("no desa of Kota Serang touches one outside it: the test does not show that outsiders are left out")
	}
}

func TestHotspotContiguityIsRecomputedWhenTheBoundariesChange(t *testing.T) {
	url := datatest.BantenCopy(t)
	h := data.NewHotspots(datatest.Open(t, url))
	ctx := context.Background()
	const moved = "36.73.01.1001"
	before, err := h.Units(ctx, hotspotQuery("36.73"))
	if err != nil {
		t.Fatal(err)
	}
	if len(neighbourCodes(before)[moved]) == 0 {
		t.Fatalf("%s has no neighbours to begin with", moved)
	}
	// One degree east of Kota Serang lies Jawa Barat, where the sample has no desa.
	conn := datatest.Conn(t, url)
	if _, err := conn.Exec(ctx, `UPDATE admin_unit SET geom = ST_Translate(geom, 1, 0) WHERE code = $1`, moved); err != nil {
		t.Fatal(err)
	}
	after, err := h.Units(ctx, hotspotQuery("36.73"))
	if err != nil {
		t.Fatal(err)
	}
	nb := neighbourCodes(after)
	if len(nb[moved]) != 0 {
		t.Errorf("after moving %s away its neighbours are %v, want none (an island)", moved, nb[moved])
	}
	for code, list := range nb {
		if slices.Contains(list, moved) {
			t.Errorf("%s still lists the moved %s as a neighbour", code, moved)
		}
	}
}

func TestHotspotAreaLimitAndUnknownArea(t *testing.T) {
	h := data.NewHotspots(datatest.Open(t, datatest.Banten(t)))
	q := hotspotQuery("36")
	q.MaxUnits = 1000
	_, err := h.Units(context.Background(), q)
	var tooMany *data.TooManyUnits
	if !errors.As(err, &tooMany) || tooMany.Units != 1552 || tooMany.Max != 1000 {
		t.Errorf("Banten's 1,552 desa with a limit of 1,000: %v", err)
	}
	if _, err := h.Units(context.Background(), hotspotQuery("36.99")); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("unknown kabupaten 36.99: %v, want not found", err)
	}
}

// BenchmarkHotspotsBanten is Gi* over Banten's 1,552 desa, the contiguity
// cached (as in a running server): with their geometries as /hotspots reads
// them, and values only as the area summary does.
func BenchmarkHotspotsBanten(b *testing.B) {
	benchmarkHotspots(b, hotspotQuery("36"))
}

// BenchmarkHotspotsKabupatenH3 is Gi* over the res 8 cells of Kabupaten
// Lebak (36.02) with k-ring weights, k=2.
func BenchmarkHotspotsKabupatenH3(b *testing.B) {
	q := hotspotQuery("36.02")
	q.H3Res, q.K = 8, 2
	benchmarkHotspots(b, q)
}

func benchmarkHotspots(b *testing.B, q data.HotspotQuery) {
	h := data.NewHotspots(datatest.Open(b, datatest.Banten(b)))
	ctx := context.Background()
	if _, err := h.Units(ctx, q); err != nil { // fills the contiguity cache
		b.Fatal(err)
	}
	for _, geometry := range []bool{true, false} {
		q.Geometry = geometry
		name := map[bool]string{true: "geometry", false: "values"}[geometry]
		b.Run(name, func(b *testing.B) {
			for range b.N {
				units, err := h.Units(ctx, q)
				if err != nil {
					b.Fatal(err)
				}
				geo.GetisOrdGiStar(units.Values(), units.Neighbours)
			}
		})
	}
}
