package api_test

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/paulmach/orb/geojson"

	"github.com/petarawan/petarawan/api"
	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/data/datatest"
)

func TestMain(m *testing.M) { datatest.Main(m) }

// newServer serves the API over the shared Banten database on a real loopback port.
func newServer(t *testing.T, opts ...data.Options) *httptest.Server {
	t.Helper()
	if len(opts) == 0 {
		return startServer(t, apiHandler(datatest.OpenServing(t, datatest.Banten(t))))
	}
	return startServer(t, apiHandler(datatest.Open(t, datatest.Banten(t), opts...)))
}

// apiHandler is the API over store, logging nowhere.
func apiHandler(store *data.Store) http.Handler {
	return api.New(store, discardLog(), api.Options{})
}

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// startServer serves h on a loopback port until the test ends.
func startServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func get(t *testing.T, url string, headers ...string) response {
	t.Helper()
	return send(t, http.MethodGet, url, "", "", headers...)
}

// send makes a request with a body of the given content type (none when "")
// and header name/value pairs.
func send(t *testing.T, method, url, contentType, body string, headers ...string) response {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	got, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{res.StatusCode, res.Header, got}
}

// featureCollection is an items response as a client reads it.
type featureCollection struct {
	Type     string `json:"type"`
	Features []struct {
		ID         json.Number    `json:"id"`
		Properties map[string]any `json:"properties"`
		Geometry   map[string]any `json:"geometry"`
	} `json:"features"`
	NumberMatched  int        `json:"numberMatched"`
	NumberReturned int        `json:"numberReturned"`
	TimeStamp      string     `json:"timeStamp"`
	Links          []api.Link `json:"links"`
	Demo           bool       `json:"demo"`
	Notices        []string   `json:"notices"`
}

func (fc featureCollection) link(rel string) string {
	for _, l := range fc.Links {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

func (fc featureCollection) codes() []string {
	var codes []string
	for _, f := range fc.Features {
		codes = append(codes, f.Properties["code"].(string))
	}
	return codes
}

func getFeatures(t *testing.T, url string) featureCollection {
	t.Helper()
	res := get(t, url)
	if res.status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, res.status, res.body)
	}
	if ct := res.header.Get("Content-Type"); ct != api.MediaGeoJSON {
		t.Fatalf("GET %s: Content-Type %q, want %s", url, ct, api.MediaGeoJSON)
	}
	var fc featureCollection
	dec := json.NewDecoder(strings.NewReader(string(res.body)))
	dec.UseNumber()
	if err := dec.Decode(&fc); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return fc
}

var sourceDesa struct {
	once sync.Once
	fc   *geojson.FeatureCollection
	err  error
}

// bantenDesa reads the bundled desa file with orb alone: the source the API's answers are checked against.
func bantenDesa(t *testing.T) *geojson.FeatureCollection {
	t.Helper()
	sourceDesa.once.Do(func() {
		f, err := os.Open(filepath.Join(datatest.RepoRoot(), "testdata", "banten", "desa.geojson.gz"))
		if err != nil {
			sourceDesa.err = err
			return
		}
		defer f.Close()
		gz, err := gzip.NewReader(f)
		if err != nil {
			sourceDesa.err = err
			return
		}
		raw, err := io.ReadAll(gz)
		if err != nil {
			sourceDesa.err = err
			return
		}
		sourceDesa.fc, sourceDesa.err = geojson.UnmarshalFeatureCollection(raw)
	})
	if sourceDesa.err != nil {
		t.Fatal(sourceDesa.err)
	}
	return sourceDesa.fc
}
