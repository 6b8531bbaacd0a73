package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/planar"

	"github.com/petarawan/petarawan/api"
	"github.com/petarawan/petarawan/data/datatest"
	"github.com/petarawan/petarawan/geo"
)

// knownDesa is Kelurahan Kotabumi, Kota Cilegon.
const knownDesa = "36.72.01.1001"

// pointOnSurface is a point inside a unit, by SQL behind the API's back.
func pointOnSurface(t *testing.T, dbURL, code string) orb.Point {
	t.Helper()
	conn := datatest.Conn(t, dbURL)
	var p orb.Point
	if err := conn.QueryRow(context.Background(), `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM admin_unit WHERE code = $1) u`, code).
		Scan(&p[0], &p[1]); err != nil {
		t.Fatal(err)
	}
	return p
}

// getTile fetches a tile and checks that it is one.
func getTile(t *testing.T, url string, headers ...string) response {
	t.Helper()
	res := get(t, url, headers...)
	if res.status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, res.status, res.body)
	}
	if ct := res.header.Get("Content-Type"); ct != api.MediaMVT {
		t.Fatalf("GET %s: Content-Type %q, want %s", url, ct, api.MediaMVT)
	}
	return res
}

// tileFeature decodes a tile of layer at tile and returns the feature whose code is code, in lon/lat.
func tileFeature(t *testing.T, body []byte, layer string, tile geo.Tile, code string) (map[string]any, orb.Geometry) {
	t.Helper()
	layers, err := mvt.Unmarshal(body)
	if err != nil {
		t.Fatalf("the tile does not decode: %v", err)
	}
	if len(layers) != 1 || layers[0].Name != layer {
		t.Fatalf("the tile has %d layers (%v), want one named %q", len(layers), layerNames(layers), layer)
	}
	layers.ProjectToWGS84(maptile.New(uint32(tile.X), uint32(tile.Y), maptile.Zoom(tile.Z)))
	for _, f := range layers[0].Features {
		if f.Properties["code"] == code {
			return f.Properties, f.Geometry
		}
	}
	t.Fatalf("%s is not in tile %v", code, tile)
	return nil, nil
}

func layerNames(layers mvt.Layers) []string {
	var names []string
	for _, l := range layers {
		names = append(names, l.Name)
	}
	return names
}

// tileAttributesOfItem are the attributes a tile should give a unit: its item's properties,
// with top_threats comma-separated.
func tileAttributesOfItem(p map[string]any) map[string]any {
	want := map[string]any{}
	for _, k := range []string{"code", "name", "score", "category", "score_social_political", "score_administration",
		"score_contestation", "score_participation", "tps_count", "demo"} {
		want[k] = p[k]
	}
	var threats []string
	for _, th := range p["top_threats"].([]any) {
		threats = append(threats, th.(string))
	}
	want["top_threats"] = strings.Join(threats, ",")
	return want
}

func checkAttributes(t *testing.T, got, want map[string]any) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: tile says %v (%T), the items %v (%T)", k, got[k], got[k], v, v)
		}
	}
}

func TestADesaIsInTheTileOfItsPointWithTheScoreOfItsItem(t *testing.T) {
	dbURL := datatest.Banten(t)
	srv := newServer(t)
	p := pointOnSurface(t, dbURL, knownDesa)
	tile := geo.TileAt(p.Lon(), p.Lat(), 12)
	for _, phase := range []string{"kampanye", "rekapitulasi"} {
		item := properties(t, srv.URL+"/collections/desa/items/"+knownDesa+"?phase="+phase)
		res := getTile(t, fmt.Sprintf("%s/tiles/desa/%d/%d/%d.mvt?election=pemilu-2024&phase=%s", srv.URL, tile.Z, tile.X, tile.Y, phase))
		got, geom := tileFeature(t, res.body, "desa", tile, knownDesa)
		checkAttributes(t, got, tileAttributesOfItem(item))
		var inside bool
		switch g := geom.(type) {
		case orb.Polygon:
			inside = planar.PolygonContains(g, p)
		case orb.MultiPolygon:
			inside = planar.MultiPolygonContains(g, p)
		}
		if !inside {
			t.Errorf("%s: the desa's %s in the tile does not contain its point on surface", phase, geom.GeoJSONType())
		}

		// The OGC API - Tiles path (row before column) gives the same tile.
		ogc := getTile(t, fmt.Sprintf("%s/collections/desa/tiles/WebMercatorQuad/%d/%d/%d?election=pemilu-2024&phase=%s", srv.URL, tile.Z, tile.Y, tile.X, phase))
		if !bytes.Equal(ogc.body, res.body) {
			t.Errorf("%s: the OGC path gives %d bytes, the XYZ path %d", phase, len(ogc.body), len(res.body))
		}
	}
}

func TestEveryCollectionHasTilesWithOneLayerNamedAfterIt(t *testing.T) {
	srv := newServer(t)
	for _, c := range []struct {
		collection string
		zoom       int
		attributes []string
	}{
		{"provinsi", 6, []string{"code", "name", "score", "category", "top_threats", "tps_count", "demo"}},
		{"kabupaten", 8, []string{"code", "name", "score", "category", "score_participation", "demo"}},
		{"kecamatan", 10, []string{"code", "name", "score", "category", "score_contestation", "demo"}},
		{"desa", 12, []string{"code", "name", "score", "category", "score_social_political", "score_administration", "tps_count", "demo"}},
		{"insiden", 10, []string{"id", "type", "type_name", "occurred_at", "desa_code", "demo"}},
	} {
		t.Run(c.collection, func(t *testing.T) {
			tile := geo.TileAt(106.15, -6.12, c.zoom) // Kota Serang
			res := getTile(t, fmt.Sprintf("%s/tiles/%s/%d/%d/%d.mvt", srv.URL, c.collection, tile.Z, tile.X, tile.Y))
			layers, err := mvt.Unmarshal(res.body)
			if err != nil || len(layers) != 1 || layers[0].Name != c.collection || len(layers[0].Features) == 0 {
				t.Fatalf("layers %v, %v; want one layer %q with features", layerNames(layers), err, c.collection)
			}
			for _, f := range layers[0].Features {
				for _, a := range c.attributes {
					if _, ok := f.Properties[a]; !ok {
						t.Fatalf("a feature lacks %s: %v", a, f.Properties)
					}
				}
			}
		})
	}
}

func TestTilesOutsideALayersZoomsAreValidAndEmpty(t *testing.T) {
	srv := newServer(t)
	for _, path := range []string{"/tiles/desa/7/101/66.mvt", "/tiles/kecamatan/6/50/33.mvt", "/tiles/kabupaten/3/6/4.mvt", "/tiles/insiden/7/101/66.mvt",
		"/collections/desa/tiles/WebMercatorQuad/7/66/101"} {
		res := getTile(t, srv.URL+path)
		layers, err := mvt.Unmarshal(res.body)
		if len(res.body) != 0 || err != nil || len(layers) != 0 {
			t.Errorf("%s: %d bytes, %d layers, %v; want an empty tile", path, len(res.body), len(layers), err)
		}
	}
}

func TestBadTileRequestsAreProblems(t *testing.T) {
	srv := newServer(t)
	for _, c := range []struct {
		path      string
		status    int
		parameter string
	}{
		{"/tiles/desa/17/0/0.mvt", http.StatusBadRequest, "z"},
		{"/tiles/desa/-1/0/0.mvt", http.StatusBadRequest, "z"},
		{"/tiles/desa/z/0/0.mvt", http.StatusBadRequest, "z"},
		{"/tiles/desa/3/8/0.mvt", http.StatusBadRequest, "x"},
		{"/tiles/desa/3/0/8.mvt", http.StatusBadRequest, "y"},
		{"/tiles/desa/3/0/1.5.mvt", http.StatusBadRequest, "y"},
		{"/collections/desa/tiles/WebMercatorQuad/3/9/0", http.StatusBadRequest, "tileRow"},
		{"/collections/desa/tiles/WebMercatorQuad/3/0/9", http.StatusBadRequest, "tileCol"},
		{"/tiles/desa/8/203/132.mvt?limit=5", http.StatusBadRequest, "limit"},
		{"/tiles/desa/8/203/132.mvt?phase=pencoblosan", http.StatusBadRequest, "phase"},
		{"/tiles/desa/8/203/132.mvt?type=politik_uang", http.StatusBadRequest, "type"},
		{"/tiles/insiden/8/203/132.mvt?type=sihir", http.StatusBadRequest, "type"},
		{"/tiles/insiden/8/203/132.mvt?datetime=kemarin", http.StatusBadRequest, "datetime"},
		{"/tiles/desa.json?phase=pencoblosan", http.StatusBadRequest, "phase"},
		{"/tiles/kota/8/203/132.mvt", http.StatusNotFound, ""},
		{"/tiles/desa/8/203/132.png", http.StatusNotFound, ""},
		{"/tiles/kota.json", http.StatusNotFound, ""},
		{"/tiles/desa", http.StatusNotFound, ""},
		{"/collections/kota/tiles", http.StatusNotFound, ""},
		{"/collections/kota/tiles/WebMercatorQuad/8/132/203", http.StatusNotFound, ""},
	} {
		res := get(t, srv.URL+c.path)
		var p api.Problem
		if res.status != c.status || res.header.Get("Content-Type") != "application/problem+json" || json.Unmarshal(res.body, &p) != nil || p.Parameter != c.parameter {
			t.Errorf("%s: %d %s %s; want %d problem+json naming parameter %q", c.path, res.status, res.header.Get("Content-Type"), res.body, c.status, c.parameter)
		}
	}
}

func TestTilesRevalidateByETag(t *testing.T) {
	srv := newServer(t)
	url := srv.URL + "/tiles/desa/12/3259/2116.mvt?phase=kampanye"
	first := getTile(t, url)
	etag := first.header.Get("ETag")
	if etag == "" || first.header.Get("Cache-Control") == "" {
		t.Fatalf("ETag %q, Cache-Control %q: want both", etag, first.header.Get("Cache-Control"))
	}
	res := get(t, url, "If-None-Match", etag)
	if res.status != http.StatusNotModified || len(res.body) != 0 || res.header.Get("ETag") != etag {
		t.Errorf("If-None-Match %s: %d, %d bytes, ETag %q; want 304 without a body, same ETag", etag, res.status, len(res.body), res.header.Get("ETag"))
	}
	if res := get(t, url, "If-None-Match", `W/"0", `+etag); res.status != http.StatusNotModified {
		t.Errorf("If-None-Match listing the ETag second: %d, want 304", res.status)
	}
	if res := get(t, url, "If-None-Match", `W/"0"`); res.status != http.StatusOK || !bytes.Equal(res.body, first.body) {
		t.Errorf("If-None-Match of another version: %d, want 200 with the tile", res.status)
	}
}

func TestTilesAreSentGzippedToClientsThatAcceptIt(t *testing.T) {
	srv := newServer(t)
	url := srv.URL + "/tiles/desa/10/813/529.mvt" // Kota Serang and around: many desa
	plain := getTile(t, url, "Accept-Encoding", "identity")
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if vary := strings.Join(res.Header.Values("Vary"), ","); res.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(vary, "Accept-Encoding") {
		t.Fatalf("Content-Encoding %q, Vary %q; want gzip, Accept-Encoding", res.Header.Get("Content-Encoding"), vary)
	}
	gz, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(gz)
	if err != nil || !bytes.Equal(body, plain.body) {
		t.Fatalf("the gunzipped tile (%d bytes, %v) differs from the plain one (%d bytes)", len(body), err, len(plain.body))
	}
}

func TestAScoreWriteChangesTheETagAndTheCachedTile(t *testing.T) {
	f := newEditorFixture(t, api.Options{TileCacheBytes: 64 << 20})
	f.desa = knownDesa
	f.tps = f.count(t, `SELECT tps_count FROM admin_unit WHERE code = $1`, knownDesa)

	p := pointOnSurface(t, f.dbURL, knownDesa)
	tile := geo.TileAt(p.Lon(), p.Lat(), 12)
	tileURL := fmt.Sprintf("%s/tiles/desa/%d/%d/%d.mvt?phase=kampanye", f.url, tile.Z, tile.X, tile.Y)
	itemURL := f.url + "/collections/desa/items/" + knownDesa + "?phase=kampanye"
	before := getTile(t, tileURL)
	if again := getTile(t, tileURL); again.header.Get("ETag") != before.header.Get("ETag") || !bytes.Equal(again.body, before.body) {
		t.Fatal("the same tile twice without a write differs")
	}
	scoreBefore, _ := tileFeature(t, before.body, "desa", tile, knownDesa)

	// Two writes: every indicator of the desa at no risk, then three at risk.
	batch, _ := json.Marshal([]map[string]any{
		f.observation("riwayat_konflik_massa", 0, 1, "2024-01-20T10:00:00+07:00"),
		f.observation("riwayat_kekerasan_pemilu", 0, 1, "2024-01-20T10:00:00+07:00"),
		f.observation("ujaran_kebencian", 0, 6, "2024-01-20T10:00:00+07:00"),
	})
	writes := []func(){
		func() { f.clearAll(t) },
		func() {
			if res := f.post(t, "", "application/json", string(batch)); res.status != http.StatusCreated {
				t.Fatalf("POST /observations: %d %s", res.status, res.body)
			}
		},
	}
	etags := map[string]bool{before.header.Get("ETag"): true}
	scores := map[any]bool{scoreBefore["score"]: true}
	for i, write := range writes {
		write()
		res := get(t, tileURL, "If-None-Match", before.header.Get("ETag"))
		if res.status != http.StatusOK {
			t.Fatalf("write %d: revalidating the tile gives %d, want 200 with the new tile", i+1, res.status)
		}
		etag := res.header.Get("ETag")
		if etags[etag] {
			t.Errorf("write %d: the ETag %s is not new", i+1, etag)
		}
		etags[etag] = true
		got, _ := tileFeature(t, res.body, "desa", tile, knownDesa)
		checkAttributes(t, got, tileAttributesOfItem(properties(t, itemURL)))
		if scores[got["score"]] {
			t.Errorf("write %d: the desa still scores %v in the tile", i+1, got["score"])
		}
		scores[got["score"]] = true
	}
}

func TestTileJSONGivesMapLibreWhatItNeeds(t *testing.T) {
	srv := newServer(t)
	var collection struct {
		Extent struct{ Spatial struct{ BBox [][]float64 } }
	}
	if err := json.Unmarshal(get(t, srv.URL+"/collections/desa").body, &collection); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		collection, query string
		minzoom           int
		fields            []string
	}{
		{"desa", "?election=pemilu-2024&phase=kampanye", 8, []string{"code", "name", "score", "category", "score_social_political",
			"score_administration", "score_contestation", "score_participation", "top_threats", "tps_count", "demo"}},
		{"provinsi", "", 0, []string{"code", "score", "category"}},
		{"insiden", "?type=politik_uang&phase=masa_tenang", 8, []string{"id", "type", "type_name", "occurred_at", "desa_code", "demo"}},
	} {
		t.Run(c.collection, func(t *testing.T) {
			res := get(t, srv.URL+"/tiles/"+c.collection+".json"+c.query)
			if res.status != http.StatusOK || res.header.Get("Content-Type") != api.MediaJSON {
				t.Fatalf("%d %s %s", res.status, res.header.Get("Content-Type"), res.body)
			}
			var tj struct {
				TileJSON     string    `json:"tilejson"`
				Tiles        []string  `json:"tiles"`
				MinZoom      *int      `json:"minzoom"`
				MaxZoom      *int      `json:"maxzoom"`
				Bounds       []float64 `json:"bounds"`
				VectorLayers []struct {
					ID     string            `json:"id"`
					Fields map[string]string `json:"fields"`
				} `json:"vector_layers"`
			}
			if err := json.Unmarshal(res.body, &tj); err != nil {
				t.Fatal(err)
			}
			if tj.TileJSON != "3.0.0" || len(tj.Tiles) != 1 || tj.MinZoom == nil || *tj.MinZoom != c.minzoom || tj.MaxZoom == nil || *tj.MaxZoom != 16 {
				t.Fatalf("tilejson %q, tiles %v, zooms %v-%v; want 3.0.0, one template, %d-16", tj.TileJSON, tj.Tiles, tj.MinZoom, tj.MaxZoom, c.minzoom)
			}
			template := tj.Tiles[0]
			if !strings.HasPrefix(template, srv.URL+"/tiles/"+c.collection+"/{z}/{x}/{y}.mvt") {
				t.Errorf("tiles %q: want an absolute XYZ template", template)
			}
			for _, kv := range strings.Split(strings.TrimPrefix(c.query, "?"), "&") {
				if kv != "" && !strings.Contains(template, kv) {
					t.Errorf("tiles %q drops %s", template, kv)
				}
			}
			if len(tj.Bounds) != 4 || tj.Bounds[0] >= tj.Bounds[2] || tj.Bounds[1] >= tj.Bounds[3] || tj.Bounds[0] < -180 || tj.Bounds[3] > 90 {
				t.Errorf("bounds %v: want minLon, minLat, maxLon, maxLat", tj.Bounds)
			}
			if c.collection == "desa" && fmt.Sprint(tj.Bounds) != fmt.Sprint(collection.Extent.Spatial.BBox[0]) {
				t.Errorf("bounds %v, the collection's extent %v", tj.Bounds, collection.Extent.Spatial.BBox[0])
			}
			if len(tj.VectorLayers) != 1 || tj.VectorLayers[0].ID != c.collection {
				t.Fatalf("vector_layers %+v: want one, %q", tj.VectorLayers, c.collection)
			}
			for _, f := range c.fields {
				if tj.VectorLayers[0].Fields[f] == "" {
					t.Errorf("vector_layers fields %v lack %s", tj.VectorLayers[0].Fields, f)
				}
			}
			// The template, filled in over Kota Serang, gives a tile with features.
			tile := geo.TileAt(106.15, -6.12, 10)
			url := strings.NewReplacer("{z}", "10", "{x}", fmt.Sprint(tile.X), "{y}", fmt.Sprint(tile.Y)).Replace(template)
			layers, err := mvt.Unmarshal(getTile(t, url).body)
			if err != nil || len(layers) != 1 || len(layers[0].Features) == 0 {
				t.Errorf("%s: %v, layers %v; want features", url, err, layerNames(layers))
			}
		})
	}
}

func TestOGCTilesetsLinkTheTileTemplate(t *testing.T) {
	srv := newServer(t)
	tile := geo.TileAt(106.15, -6.12, 10)
	for _, collection := range []string{"desa", "insiden"} {
		var sets struct {
			Tilesets []struct {
				TileMatrixSetURI string `json:"tileMatrixSetURI"`
				DataType         string `json:"dataType"`
				Links            []struct{ Href, Rel string }
			}
		}
		res := get(t, srv.URL+"/collections/"+collection+"/tiles?phase=kampanye")
		if err := json.Unmarshal(res.body, &sets); err != nil || res.status != http.StatusOK || len(sets.Tilesets) != 1 {
			t.Fatalf("%s tilesets: %d %s", collection, res.status, res.body)
		}
		if s := sets.Tilesets[0]; s.TileMatrixSetURI != "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad" || s.DataType != "vector" {
			t.Errorf("%s tileset %+v", collection, s)
		}
		var self string
		for _, l := range sets.Tilesets[0].Links {
			if l.Rel == "self" {
				self = l.Href
			}
		}
		var meta struct {
			Layers []struct {
				ID            string `json:"id"`
				MinTileMatrix string `json:"minTileMatrix"`
				MaxTileMatrix string `json:"maxTileMatrix"`
			}
			Links []struct {
				Href, Rel, Type string
				Templated       bool
			}
		}
		if err := json.Unmarshal(get(t, self).body, &meta); err != nil || len(meta.Layers) != 1 || meta.Layers[0].ID != collection ||
			meta.Layers[0].MinTileMatrix != "8" || meta.Layers[0].MaxTileMatrix != "16" {
			t.Fatalf("%s tileset at %s: %+v, %v", collection, self, meta, err)
		}
		var item string
		for _, l := range meta.Links {
			if l.Rel == "item" && l.Templated && l.Type == api.MediaMVT {
				item = l.Href
			}
		}
		if !strings.Contains(item, "/{tileMatrix}/{tileRow}/{tileCol}") || !strings.Contains(item, "phase=kampanye") {
			t.Fatalf("%s: item template %q", collection, item)
		}
		url := strings.NewReplacer("{tileMatrix}", "10", "{tileRow}", fmt.Sprint(tile.Y), "{tileCol}", fmt.Sprint(tile.X)).Replace(item)
		xyz := getTile(t, fmt.Sprintf("%s/tiles/%s/10/%d/%d.mvt?phase=kampanye", srv.URL, collection, tile.X, tile.Y))
		if got := getTile(t, url); len(got.body) == 0 || !bytes.Equal(got.body, xyz.body) {
			t.Errorf("%s: the OGC template gives %d bytes, the XYZ path %d", collection, len(got.body), len(xyz.body))
		}
	}
}

func TestOpenAPIDocumentsEveryTilePath(t *testing.T) {
	srv := newServer(t)
	var doc struct{ Paths map[string]any }
	if err := json.Unmarshal(get(t, srv.URL+"/api").body, &doc); err != nil {
		t.Fatal(err)
	}
	want := []string{"/tiles/{collection}.json", "/tiles/{collection}/{z}/{x}/{y}.mvt"}
	for _, c := range []string{"provinsi", "kabupaten", "kecamatan", "desa", "insiden"} {
		want = append(want, "/collections/"+c+"/tiles", "/collections/"+c+"/tiles/WebMercatorQuad",
			"/collections/"+c+"/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}")
	}
	for _, p := range want {
		if doc.Paths[p] == nil {
			t.Errorf("/api lacks %s", p)
		}
	}
}

func TestTilesComeFromTheCacheUntilTheDataVersionChanges(t *testing.T) {
	dbURL := datatest.BantenCopy(t)
	store := datatest.Open(t, dbURL)
	conn := datatest.Conn(t, dbURL)
	cached := startServer(t, api.New(store, slog.New(slog.NewTextHandler(io.Discard, nil)), api.Options{TileCacheBytes: 64 << 20}))
	uncached := startServer(t, apiHandler(store))
	p := pointOnSurface(t, dbURL, knownDesa)
	tile := geo.TileAt(p.Lon(), p.Lat(), 12)
	path := fmt.Sprintf("/tiles/desa/%d/%d/%d.mvt?phase=kampanye", tile.Z, tile.X, tile.Y)
	first := getTile(t, cached.URL+path)

	// A score changed behind the data version's back (triggers off for this session).
	exec := func(sql string) {
		t.Helper()
		if _, err := conn.Exec(context.Background(), sql); err != nil {
			t.Fatal(err)
		}
	}
	exec(`SET session_replication_role = replica`)
	exec(`UPDATE risk_score SET score = 99.99 WHERE unit_code = '` + knownDesa + `' AND phase_code = 'kampanye'`)
	if got, _ := tileFeature(t, getTile(t, uncached.URL+path).body, "desa", tile, knownDesa); got["score"] != 99.99 {
		t.Fatalf("without a cache the tile gives %v, want the new score 99.99", got["score"])
	}
	if again := getTile(t, cached.URL+path); !bytes.Equal(again.body, first.body) || again.header.Get("ETag") != first.header.Get("ETag") {
		t.Fatal("the cached tile was built again while the data version stood")
	}

	// Once the version moves, the cache gives way.
	exec(`SET session_replication_role = origin`)
	exec(`UPDATE data_version SET version = version + 1`)
	res := getTile(t, cached.URL+path)
	if got, _ := tileFeature(t, res.body, "desa", tile, knownDesa); got["score"] != 99.99 || res.header.Get("ETag") == first.header.Get("ETag") {
		t.Fatalf("after the version moved: score %v, ETag %s; want 99.99 and a new ETag", got["score"], res.header.Get("ETag"))
	}
}

func TestCollectionsLinkTheirVectorTilesetsAndConformanceSaysSo(t *testing.T) {
	srv := newServer(t)
	res := get(t, srv.URL+"/conformance")
	if !strings.Contains(string(res.body), "ogcapi-tiles-1/1.0/conf/mvt") {
		t.Errorf("/conformance does not declare OGC API - Tiles with MVT: %s", res.body)
	}
	for _, id := range []string{"desa", "insiden"} {
		var info struct{ Links []api.Link }
		if err := json.Unmarshal(get(t, srv.URL+"/collections/"+id).body, &info); err != nil {
			t.Fatal(err)
		}
		var href string
		for _, l := range info.Links {
			if l.Rel == api.RelTilesetsVector {
				href = l.Href
			}
		}
		if href == "" {
			t.Errorf("/collections/%s has no %s link", id, api.RelTilesetsVector)
			continue
		}
		if res := get(t, href); res.status != http.StatusOK || !strings.Contains(string(res.body), "WebMercatorQuad") {
			t.Errorf("GET %s: %d %s", href, res.status, res.body)
		}
	}
}
