package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/petarawan/petarawan/data/datatest"
)

// requestLog serves the API and remembers every request URI, to see what GDAL asked for.
type requestLog struct {
	mu   sync.Mutex
	uris []string
}

func (l *requestLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		l.uris = append(l.uris, r.URL.RequestURI())
		l.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

func (l *requestLog) saw(substr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, u := range l.uris {
		if strings.Contains(u, substr) {
			return true
		}
	}
	return false
}

func ogr2ogr(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("ogr2ogr")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("ogr2ogr is missing: make test installs gdal-bin")
		}
		t.Skip("ogr2ogr (gdal-bin) is not installed: run make test")
	}
	return path
}

type exported struct {
	Features []struct {
		Properties map[string]any `json:"properties"`
		Geometry   struct {
			Type string `json:"type"`
		} `json:"geometry"`
	} `json:"features"`
}

func runOgr2ogr(t *testing.T, bin string, args ...string) exported {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out.geojson")
	cmd := exec.Command(bin, append([]string{"-f", "GeoJSON", out}, args...)...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ogr2ogr %v: %v\n%s", args, err, msg)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var fc exported
	if err := json.Unmarshal(raw, &fc); err != nil {
		t.Fatal(err)
	}
	return fc
}

func TestGDALExportsEveryDesaAndPushesFiltersDown(t *testing.T) {
	bin := ogr2ogr(t)
	store := datatest.Open(t, datatest.Banten(t))
	log := &requestLog{}
	srv := startServer(t, log.wrap(apiHandler(store)))
	source := "OAPIF:" + srv.URL + "/"

	// GDAL's default page is small: the export must follow the next links to the end.
	all := runOgr2ogr(t, bin, source, "desa")
	if len(all.Features) != 1552 {
		t.Fatalf("ogr2ogr exported %d desa, want 1,552", len(all.Features))
	}
	codes := map[string]bool{}
	for _, f := range all.Features {
		codes[f.Properties["code"].(string)] = true
		if f.Geometry.Type != "MultiPolygon" || f.Properties["name"] == nil || f.Properties["demo"] != true {
			t.Fatalf("exported feature %v (%s) lacks its geometry, name or demo marker", f.Properties["code"], f.Geometry.Type)
		}
	}
	if len(codes) != 1552 {
		t.Errorf("the export holds %d distinct codes, want 1,552", len(codes))
	}
	if !log.saw("offset=") {
		t.Error("GDAL never followed a next link")
	}

	filtered := runOgr2ogr(t, bin, source, "desa", "-where", "kabupaten_code = '36.72'")
	if len(filtered.Features) != 43 {
		t.Errorf("-where kabupaten_code = '36.72' exported %d desa, want Kota Cilegon's 43", len(filtered.Features))
	}
	if !log.saw("kabupaten_code=36.72") {
		t.Error("GDAL filtered on its side: it did not send kabupaten_code=36.72 to the server")
	}
}

func TestGDALReadsTheIncidentsAsPointsWithTheirDesa(t *testing.T) {
	bin := ogr2ogr(t)
	dbURL := datatest.Banten(t)
	conn := datatest.Conn(t, dbURL)
	var want int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM incident WHERE unit_code LIKE '36.72.01.%'`).Scan(&want); err != nil {
		t.Fatal(err)
	}
	log := &requestLog{}
	srv := startServer(t, log.wrap(apiHandler(datatest.Open(t, dbURL))))
	got := runOgr2ogr(t, bin, "OAPIF:"+srv.URL+"/", "insiden", "-where", "kecamatan_code = '36.72.01'")
	if len(got.Features) != want || want == 0 {
		t.Fatalf("ogr2ogr exported %d incidents of kecamatan 36.72.01, want the %d stored", len(got.Features), want)
	}
	for _, f := range got.Features {
		if f.Geometry.Type != "Point" || !strings.HasPrefix(f.Properties["desa_code"].(string), "36.72.01.") || f.Properties["type"] == nil {
			t.Fatalf("exported incident %v is not a point in kecamatan 36.72.01 with its type", f.Properties)
		}
	}
	if !log.saw("kecamatan_code=36.72.01") {
		t.Error("GDAL filtered on its side: it did not send kecamatan_code=36.72.01 to the server")
	}
}
