package api_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/data/datatest"
	"github.com/petarawan/petarawan/geo"
)

// h3Collection is an H3 answer as a client reads it (ids are strings).
type h3Collection struct {
	Features []struct {
		ID         string         `json:"id"`
		Properties map[string]any `json:"properties"`
		Geometry   struct {
			Type        string        `json:"type"`
			Coordinates [][][]float64 `json:"coordinates"`
		} `json:"geometry"`
	} `json:"features"`
	NumberMatched  int    `json:"numberMatched"`
	NumberReturned int    `json:"numberReturned"`
	Demo           bool   `json:"demo"`
	Method         string `json:"method"`
}

func getH3(t *testing.T, url string) h3Collection {
	t.Helper()
	res := get(t, url)
	if res.status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, res.status, res.body)
	}
	var fc h3Collection
	if err := json.Unmarshal(res.body, &fc); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return fc
}

// /h3/7?area= gives the cells overlapping the area's desa, each an H3
// hexagon of the resolution, as GeoJSON and the same as CSV with hex_id.
func TestH3CellsOfAnArea(t *testing.T) {
	srv := newServer(t)
	var want int
	err := datatest.Conn(t, datatest.Banten(t)).QueryRow(context.Background(),
		`SELECT count(DISTINCT cell) FROM h3_desa WHERE res = 7 AND desa_code LIKE '36.02.%'`).Scan(&want)
	if err != nil {
		t.Fatal(err)
	}
	fc := getH3(t, srv.URL+"/h3/7?area=36.02&phase=kampanye")
	if fc.NumberMatched != want || fc.NumberReturned != want || len(fc.Features) != want {
		t.Fatalf("Kabupaten Lebak (36.02) at res 7: %d matched, %d returned; want %d cells", fc.NumberMatched, len(fc.Features), want)
	}
	if !fc.Demo || !strings.Contains(fc.Method, "overlap") {
		t.Errorf("demo %v, method %q: want the demo label and the method", fc.Demo, fc.Method)
	}
	byID := map[string]map[string]any{}
	for _, f := range fc.Features {
		cell, err := geo.ParseH3Cell(f.ID)
		if err != nil || cell.Resolution() != 7 || f.Properties["h3"] != f.ID {
			t.Fatalf("feature id %q (h3 %v) is not a res 7 cell: %v", f.ID, f.Properties["h3"], err)
		}
		hex := geo.H3CellPolygon(cell)[0]
		ring := f.Geometry.Coordinates[0]
		if f.Geometry.Type != "Polygon" || len(ring) != len(hex) {
			t.Fatalf("cell %s: geometry %s with %d points, want the %d-point hexagon", f.ID, f.Geometry.Type, len(ring), len(hex))
		}
		for i, p := range ring {
			if d := max(abs(p[0]-hex[i][0]), abs(p[1]-hex[i][1])); d > 1e-6 {
				t.Fatalf("cell %s: vertex %d is %v, want %v", f.ID, i, p, hex[i])
			}
		}
		byID[f.ID] = f.Properties
	}

	res := get(t, srv.URL+"/h3/7?area=36.02&phase=kampanye&f=csv")
	records, err := csv.NewReader(strings.NewReader(string(res.body))).ReadAll()
	if err != nil || res.status != http.StatusOK {
		t.Fatalf("CSV: %d %v", res.status, err)
	}
	if records[0][0] != "hex_id" || len(records) != want+1 {
		t.Fatalf("CSV header %v and %d rows; want hex_id first (kepler.gl's H3 column) and %d rows", records[0], len(records)-1, want)
	}
	score := slices.Index(records[0], "score")
	for _, r := range records[1:] {
		p, ok := byID[r[0]]
		if v, err := strconv.ParseFloat(r[score], 64); !ok || err != nil || v != p["score"] {
			t.Fatalf("CSV row %v does not match the GeoJSON cell %v", r, p)
		}
	}
}

func abs(x float64) float64 { return max(x, -x) }

// The collections h3-5 ... h3-9 page the same cells, and serve one by id.
func TestH3Collections(t *testing.T) {
	srv := newServer(t)
	var collections struct {
		Collections []struct{ ID string } `json:"collections"`
	}
	if err := json.Unmarshal(get(t, srv.URL+"/collections").body, &collections); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range collections.Collections {
		ids = append(ids, c.ID)
	}
	if got := strings.Join(ids, ","); !strings.HasSuffix(got, "insiden,h3-5,h3-6,h3-7,h3-8,h3-9") {
		t.Fatalf("collections %s, want the H3 resolutions after insiden", got)
	}
	page := getH3(t, srv.URL+"/collections/h3-8/items?limit=5&offset=10")
	all := getH3(t, srv.URL+"/h3/8")
	if page.NumberMatched != all.NumberMatched || len(page.Features) != 5 {
		t.Fatalf("a page of h3-8: %d matched, %d returned; /h3/8 has %d", page.NumberMatched, len(page.Features), all.NumberMatched)
	}
	for i, f := range page.Features {
		if f.ID != all.Features[10+i].ID {
			t.Fatalf("item %d of the page is %s, /h3/8 has %s there", 10+i, f.ID, all.Features[10+i].ID)
		}
	}
	id := page.Features[0].ID
	var one struct {
		ID         string         `json:"id"`
		Properties map[string]any `json:"properties"`
	}
	res := get(t, srv.URL+"/collections/h3-8/items/"+id)
	if err := json.Unmarshal(res.body, &one); err != nil || one.ID != id || one.Properties["score"] != page.Features[0].Properties["score"] {
		t.Fatalf("GET item %s: %d %s", id, res.status, res.body)
	}
}

func TestH3RefusesBadRequests(t *testing.T) {
	srv := newServer(t)
	res7 := getH3(t, srv.URL+"/h3/7").Features[0].ID
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/h3/4", http.StatusBadRequest},
		{"/h3/seven", http.StatusBadRequest},
		{"/h3/7?limit=10", http.StatusBadRequest},
		{"/h3/7?foo=1", http.StatusBadRequest},
		{"/h3/7?bbox=1,2,3", http.StatusBadRequest},
		{"/h3/7?area=36.0", http.StatusBadRequest},
		{"/h3/7?area=99", http.StatusNotFound},
		{"/h3/7?phase=kampanye&phase=masa_tenang", http.StatusBadRequest},
		{"/h3/7?phase=pilkada", http.StatusBadRequest},
		{"/h3/7?f=xml", http.StatusBadRequest},
		{"/collections/h3-7/items?limit=0", http.StatusBadRequest},
		{"/collections/h3-7/items/zzz", http.StatusNotFound},
		{"/collections/h3-8/items/" + res7, http.StatusNotFound},
		{"/collections/h3-4", http.StatusNotFound},
	} {
		res := get(t, srv.URL+tc.path)
		var problem struct{ Status int }
		if res.status != tc.status || res.header.Get("Content-Type") != "application/problem+json" ||
			json.Unmarshal(res.body, &problem) != nil || problem.Status != tc.status {
			t.Errorf("GET %s: %d %s %s, want a %d problem", tc.path, res.status, res.header.Get("Content-Type"), res.body, tc.status)
		}
	}
}

// The h3 tiles take the zoom's resolution, h3-9 always res 9; both carry the
// cells' scores as the GeoJSON does.
func TestH3Tiles(t *testing.T) {
	srv := newServer(t)
	// Tiles 10/813/529 and 12/3255/2117 hold Serang.
	for _, tc := range []struct {
		collection, tile string
		res              int
	}{{"h3", "10/813/529", 7}, {"h3-9", "12/3255/2117", 9}} {
		body := getTile(t, srv.URL+"/tiles/"+tc.collection+"/"+tc.tile+".mvt?phase=kampanye").body
		layers, err := mvt.Unmarshal(body)
		if err != nil || len(layers) != 1 || layers[0].Name != "h3" || len(layers[0].Features) == 0 {
			t.Fatalf("%s tile: %v, %d layers", tc.collection, err, len(layers))
		}
		f := layers[0].Features[0]
		id, _ := f.Properties["h3"].(string)
		cell, err := geo.ParseH3Cell(id)
		if err != nil || cell.Resolution() != tc.res || f.Properties["res"] != float64(tc.res) {
			t.Fatalf("%s tile %s: cell %q of res %v, want res %d", tc.collection, tc.tile, id, f.Properties["res"], tc.res)
		}
		var item struct{ Properties map[string]any }
		json.Unmarshal(get(t, srv.URL+"/collections/h3-"+strconv.Itoa(tc.res)+"/items/"+id+"?phase=kampanye").body, &item)
		if item.Properties["score"] != f.Properties["score"] || item.Properties["category"] != f.Properties["category"] {
			t.Errorf("%s tile: cell %s has score %v %v, its item %v %v", tc.collection, id,
				f.Properties["score"], f.Properties["category"], item.Properties["score"], item.Properties["category"])
		}
	}
	// A fixed resolution starts where the tiles by zoom are one resolution
	// coarser: res 9 at z12, not at z10, where a tile would hold ~30,000 cells.
	if body := getTile(t, srv.URL+"/tiles/h3-9/10/813/529.mvt").body; len(body) != 0 {
		t.Errorf("a z10 h3-9 tile has %d bytes, want an empty tile below zoom 12", len(body))
	}
	var tj struct{ MinZoom int }
	if err := json.Unmarshal(get(t, srv.URL+"/tiles/h3-9.json").body, &tj); err != nil || tj.MinZoom != 12 {
		t.Errorf("h3-9 TileJSON minzoom %d (%v), want 12", tj.MinZoom, err)
	}
	if body := getTile(t, srv.URL+"/tiles/h3/4/12/8.mvt").body; len(body) != 0 {
		t.Errorf("a z4 h3 tile has %d bytes, want an empty tile below zoom %d", len(body), geo.H3MinZoom)
	}
}

// Once the boundaries change, H3 answers are 503 with Retry-After until recomputed.
func TestH3AnswersUnavailableWhenStale(t *testing.T) {
	dbURL := datatest.BantenCopy(t)
	srv := startServer(t, apiHandler(datatest.Open(t, dbURL)))
	if _, err := datatest.Conn(t, dbURL).Exec(context.Background(),
		`UPDATE admin_unit SET geom = ST_Multi(ST_Buffer(geom, 0.0001)) WHERE code = '36.72.01.1001'`); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/h3/7", "/collections/h3-7/items", "/tiles/h3/10/813/529.mvt"} {
		res := get(t, srv.URL+path)
		if res.status != http.StatusServiceUnavailable || res.header.Get("Retry-After") == "" ||
			!strings.Contains(string(res.body), "petarawan h3 recompute") {
			t.Errorf("GET %s with stale cells: %d %s", path, res.status, res.body)
		}
	}
}

// After a recompute up to res 7, the finer resolutions answer 404 and the
// tiles by zoom stop at res 7.
func TestH3ResolutionsLeftOut(t *testing.T) {
	dbURL := datatest.BantenCopy(t)
	store := datatest.Open(t, dbURL)
	if _, err := store.RecomputeH3(context.Background(), data.Actor{Name: "test", Role: data.Admin}, 7, func(string) {}); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, apiHandler(store))
	for _, path := range []string{"/h3/8", "/collections/h3-9/items", "/tiles/h3-8/13/6511/4235.mvt", "/hotspots?area=36.72&unit=h3&res=8"} {
		if res := get(t, srv.URL+path); res.status != http.StatusNotFound || !strings.Contains(string(res.body), "--max-res") {
			t.Errorf("GET %s: %d %s, want a 404 naming --max-res", path, res.status, res.body)
		}
	}
	layers, err := mvt.Unmarshal(getTile(t, srv.URL+"/tiles/h3/13/6511/4235.mvt").body)
	if err != nil || len(layers) != 1 || len(layers[0].Features) == 0 {
		t.Fatalf("a z13 h3 tile over Serang: %v, %d layers", err, len(layers))
	}
	for _, f := range layers[0].Features {
		if f.Properties["res"] != float64(7) {
			t.Fatalf("a z13 h3 tile holds a cell of res %v, want 7, the finest computed", f.Properties["res"])
		}
	}
}
