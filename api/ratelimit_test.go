package api_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/petarawan/petarawan/api"
	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/data/datatest"
)

func TestRateLimits(t *testing.T) {
	store := datatest.OpenServing(t, datatest.BantenCopy(t))
	editor := newToken(t, store, "editor", data.Editor)
	// 20 heavy reads a minute: a burst of 2, then one every 3 s (slow enough
	// that the burst is not refilled while the test runs).
	srv := startServer(t, api.New(store, discardLog(), api.Options{RateLimits: api.RateLimits{Writes: 10, HeavyReads: 20}}))

	summary := srv.URL + "/areas/36.72/summary"
	for i := 1; i <= 2; i++ {
		if res := get(t, summary); res.status != http.StatusOK {
			t.Fatalf("heavy read %d of the burst: %d %s", i, res.status, res.body)
		}
	}
	res := get(t, summary)
	if res.status != http.StatusTooManyRequests || res.header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("the 3rd heavy read at once: %d %s, want 429 problem+json", res.status, res.body)
	}
	if s, err := strconv.Atoi(res.header.Get("Retry-After")); err != nil || s < 1 || s > 3 {
		t.Errorf("Retry-After %q, want at most 3 s at one read every 3 s", res.header.Get("Retry-After"))
	}
	var p api.Problem
	if err := json.Unmarshal(res.body, &p); err != nil || p.Status != http.StatusTooManyRequests {
		t.Errorf("problem %s", res.body)
	}
	// A token does not lift the address's limit, and plain reads are never limited.
	if res := get(t, summary, bearer(editor)...); res.status != http.StatusTooManyRequests {
		t.Errorf("a heavy read with a token from the same address: %d, want 429", res.status)
	}
	for range 20 {
		if res := get(t, srv.URL+"/collections/desa/items?limit=1"); res.status != http.StatusOK {
			t.Fatalf("a plain read during the limit: %d %s", res.status, res.body)
		}
	}

	// Writes: 10 a minute, a burst of 1; a refused write is not made.
	post := func() response {
		return send(t, http.MethodPost, srv.URL+"/observations?dry_run=true", "application/json",
			`{"indicator":"kampanye_sara","unit_code":"36.72.01.1001","election":"pemilu-2024","phase":"kampanye","value":1,"source":"polres","observed_at":"2024-01-10T08:00:00+07:00"}`,
			bearer(editor)...)
	}
	if res := post(); res.status != http.StatusOK && res.status != http.StatusCreated {
		t.Fatalf("first write: %d %s", res.status, res.body)
	}
	res = post()
	if s, _ := strconv.Atoi(res.header.Get("Retry-After")); res.status != http.StatusTooManyRequests || s < 5 || s > 6 {
		t.Errorf("second write at once: %d, Retry-After %q; want 429 after 6 s (10 a minute)", res.status, res.header.Get("Retry-After"))
	}
}
