package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/petarawan/petarawan/api"
	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/data/datatest"
)

func TestHealthAndReadiness(t *testing.T) {
	srv := newServer(t)
	if res := get(t, srv.URL+"/healthz"); res.status != http.StatusOK || !strings.Contains(string(res.body), `"ok"`) {
		t.Errorf("/healthz: %d %s", res.status, res.body)
	}
	res := get(t, srv.URL+"/readyz")
	var ready struct {
		Status string
		Schema data.Schema
	}
	if err := json.Unmarshal(res.body, &ready); err != nil || res.status != http.StatusOK || ready.Status != "ready" ||
		ready.Schema.Current == 0 || ready.Schema.Current != ready.Schema.Latest {
		t.Errorf("/readyz on a migrated database: %d %s", res.status, res.body)
	}
}

// A database a migration behind this build is not ready: 503 saying what to run.
func TestNotReadyWhenTheSchemaIsBehind(t *testing.T) {
	dbURL := datatest.NewDatabase(t)
	if _, err := datatest.Conn(t, dbURL).Exec(context.Background(),
		`DELETE FROM goose_db_version WHERE version_id = (SELECT max(version_id) FROM goose_db_version)`); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, apiHandler(datatest.Open(t, dbURL)))
	res := get(t, srv.URL+"/readyz")
	if res.status != http.StatusServiceUnavailable || res.header.Get("Retry-After") == "" || !strings.Contains(string(res.body), "petarawan migrate") {
		t.Errorf("/readyz a migration behind: %d %s", res.status, res.body)
	}
	if res := get(t, srv.URL+"/healthz"); res.status != http.StatusOK {
		t.Errorf("/healthz while not ready: %d, want 200 (the process is alive)", res.status)
	}
}

// Probes and scrapers send no token, even where every read needs one.
func TestOperationsNeedNoToken(t *testing.T) {
	store := datatest.Open(t, datatest.Banten(t))
	srv := startServer(t, api.New(store, slog.New(slog.NewTextHandler(io.Discard, nil)), api.Options{RequireReadToken: true}))
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		if res := get(t, srv.URL+path); res.status != http.StatusOK {
			t.Errorf("GET %s without a token: %d", path, res.status)
		}
	}
	if res := get(t, srv.URL+"/collections"); res.status != http.StatusUnauthorized {
		t.Errorf("GET /collections without a token: %d, want 401", res.status)
	}
}

// Every answer carries a request id (the client's own when it sends one),
// and the log line of the request names it.
func TestRequestIDsReachTheAnswerAndTheLog(t *testing.T) {
	var logs syncBuffer
	store := datatest.Open(t, datatest.Banten(t))
	srv := startServer(t, api.New(store, slog.New(slog.NewJSONHandler(&logs, nil)), api.Options{}))
	first := get(t, srv.URL+"/collections/desa/items?limit=1")
	id := first.header.Get("X-Request-Id")
	if len(id) < 16 {
		t.Fatalf("X-Request-Id %q, want a generated id", id)
	}
	if again := get(t, srv.URL+"/collections/desa/items?limit=1"); again.header.Get("X-Request-Id") == id {
		t.Error("two requests got the same id")
	}
	if res := get(t, srv.URL+"/h3/4", "X-Request-Id", "client-chosen-42"); res.header.Get("X-Request-Id") != "client-chosen-42" {
		t.Errorf("a client's X-Request-Id came back as %q", res.header.Get("X-Request-Id"))
	}
	lines := map[string]map[string]any{}
	scanner := bufio.NewScanner(strings.NewReader(logs.String()))
	for scanner.Scan() {
		var entry map[string]any
		if err := json.Unmarshal(scanner.Bytes(), &entry); err != nil {
			t.Fatalf("log line %q is not JSON: %v", scanner.Text(), err)
		}
		if rid, ok := entry["request_id"].(string); ok && entry["msg"] == "request" {
			lines[rid] = entry
		}
	}
	if l := lines[id]; l == nil || l["route"] != "/collections/:collectionId/items" || l["status"] != "200" {
		t.Errorf("log line of request %s: %v", id, l)
	}
	if l := lines["client-chosen-42"]; l == nil || l["status"] != "400" || l["route"] != "/h3/:res" {
		t.Errorf("log line of the refused request: %v", l)
	}
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// metricValue reads one sample of a Prometheus text exposition: the value
// of name with exactly these labels (in the exposition's order).
func metricValue(t *testing.T, exposition, name, labels string) float64 {
	t.Helper()
	prefix := name + "{" + labels + "} "
	if labels == "" {
		prefix = name + " "
	}
	for _, line := range strings.Split(exposition, "\n") {
		if v, ok := strings.CutPrefix(line, prefix); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	t.Fatalf("no sample %s{%s} in /metrics", name, labels)
	return 0
}

// /metrics counts requests by route and status, times them, and shows the
// pools, the tile cache and the scoring runs.
func TestMetrics(t *testing.T) {
	metrics := api.NewMetrics()
	dbURL := datatest.BantenCopy(t)
	store := datatest.Open(t, dbURL, data.Options{ObserveJob: metrics.ObserveJob})
	srv := startServer(t, api.New(store, slog.New(slog.NewTextHandler(io.Discard, nil)), api.Options{TileCacheBytes: 1 << 20, Metrics: metrics}))
	for range 3 {
		get(t, srv.URL+"/collections/desa/items?limit=2")
	}
	get(t, srv.URL+"/collections/desa/items?limit=-1")
	get(t, srv.URL+"/no/such/path/1")
	get(t, srv.URL+"/no/such/path/2")
	for range 2 {
		getTile(t, srv.URL+"/tiles/desa/12/3255/2119.mvt")
	}
	body := `{"indicator": "riwayat_konflik_massa", "unit_code": "36.72.01.1001", "election": "pemilu-2024",
		"phase": "kampanye", "value": 1, "source": "polres", "observed_at": "2024-01-10T10:00:00+07:00"}`
	editor := newToken(t, store, "editor-metrics", data.Editor)
	if res := send(t, http.MethodPost, srv.URL+"/observations", "application/json", body, bearer(editor)...); res.status != http.StatusCreated {
		t.Fatalf("POST /observations: %d %s", res.status, res.body)
	}

	exposition := string(get(t, srv.URL+"/metrics").body)
	items := `method="GET",route="/collections/:collectionId/items"`
	if n := metricValue(t, exposition, "petarawan_http_requests_total", items+`,status="200"`); n != 3 {
		t.Errorf("items answered 200: %v, want 3", n)
	}
	if n := metricValue(t, exposition, "petarawan_http_requests_total", items+`,status="400"`); n != 1 {
		t.Errorf("items answered 400: %v, want 1", n)
	}
	if n := metricValue(t, exposition, "petarawan_http_requests_total", `method="GET",route="unmatched",status="404"`); n != 2 {
		t.Errorf("unmatched paths: %v, want 2 under one label", n)
	}
	if n := metricValue(t, exposition, "petarawan_http_request_duration_seconds_count", items); n != 4 {
		t.Errorf("items timed: %v, want 4", n)
	}
	if hits, misses := metricValue(t, exposition, "petarawan_tile_cache_hits_total", ""),
		metricValue(t, exposition, "petarawan_tile_cache_misses_total", ""); hits != 1 || misses != 1 {
		t.Errorf("tile cache: %v hits, %v misses; want 1 and 1", hits, misses)
	}
	if b := metricValue(t, exposition, "petarawan_tile_cache_bytes", ""); b <= 0 {
		t.Errorf("tile cache bytes %v, want the cached tile", b)
	}
	if n := metricValue(t, exposition, "petarawan_db_pool_connections", `pool="read",state="max"`); n < 1 {
		t.Errorf("read pool max %v", n)
	}
	if n := metricValue(t, exposition, "petarawan_db_pool_acquires_total", `kind="all",pool="read"`); n < 4 {
		t.Errorf("read pool acquires %v, want at least the requests made", n)
	}
	if n := metricValue(t, exposition, "petarawan_job_duration_seconds_count", `job="scoring_write"`); n != 1 {
		t.Errorf("scoring runs of writes timed: %v, want 1", n)
	}
}
