package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/petarawan/petarawan/data/datatest"
)

func TestBrowsersGetTheMapAndAPIClientsTheLandingDocument(t *testing.T) {
	srv := newServer(t)
	for _, tc := range []struct {
		name, url, accept string
		html              bool
	}{
		{"a browser", srv.URL + "/", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", true},
		{"f=html", srv.URL + "/?f=html", "", true},
		{"an API client", srv.URL + "/", "application/json", false},
		{"no Accept", srv.URL + "/", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var headers []string
			if tc.accept != "" {
				headers = []string{"Accept", tc.accept}
			}
			res := get(t, tc.url, headers...)
			if res.status != http.StatusOK {
				t.Fatalf("status %d: %s", res.status, res.body)
			}
			ct := res.header.Get("Content-Type")
			if tc.html {
				if !strings.HasPrefix(ct, "text/html") || !bytes.Contains(res.body, []byte(`src="static/app.js"`)) {
					t.Fatalf("want the map page, got %s: %.200s", ct, res.body)
				}
				return
			}
			var doc struct {
				Title string                 `json:"title"`
				Links []struct{ Rel string } `json:"links"`
			}
			if err := json.Unmarshal(res.body, &doc); err != nil || doc.Title != "petarawan" || len(doc.Links) == 0 {
				t.Fatalf("want the JSON landing document, got %s: %.200s (%v)", ct, res.body, err)
			}
		})
	}
}

func TestMapFilesAreServedWithTheirContentType(t *testing.T) {
	srv := newServer(t)
	for _, tc := range []struct{ path, contentType string }{
		{"app.js", "text/javascript; charset=utf-8"},
		{"style.css", "text/css; charset=utf-8"},
		{"vendor/maplibre-gl/maplibre-gl.mjs", "text/javascript; charset=utf-8"},
		{"vendor/maplibre-gl/maplibre-gl-worker.mjs", "text/javascript; charset=utf-8"},
		{"vendor/maplibre-gl/maplibre-gl.css", "text/css; charset=utf-8"},
		{"vendor/maplibre-gl/LICENSE.txt", "text/plain; charset=utf-8"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			res := get(t, srv.URL+"/static/"+tc.path)
			if res.status != http.StatusOK {
				t.Fatalf("status %d: %s", res.status, res.body)
			}
			if ct := res.header.Get("Content-Type"); ct != tc.contentType {
				t.Errorf("Content-Type %q, want %q", ct, tc.contentType)
			}
			onDisk, err := os.ReadFile(filepath.Join(datatest.RepoRoot(), "frontend", tc.path))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(res.body, onDisk) {
				t.Errorf("served %d bytes, frontend/%s holds %d", len(res.body), tc.path, len(onDisk))
			}
		})
	}
}

func TestMapFilesAreRevalidatedByETag(t *testing.T) {
	srv := newServer(t)
	url := srv.URL + "/static/app.js"
	first := get(t, url)
	etag := first.header.Get("ETag")
	if !regexp.MustCompile(`^"[0-9a-f]+"$`).MatchString(etag) {
		t.Fatalf("ETag %q, want a strong quoted tag", etag)
	}
	if cc := first.header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("Cache-Control %q, want no-cache (embedded files have no modification time)", cc)
	}
	if other := get(t, srv.URL+"/static/style.css").header.Get("ETag"); other == etag {
		t.Errorf("app.js and style.css share the ETag %s", etag)
	}
	for _, tc := range []struct {
		name, ifNoneMatch string
		status            int
	}{
		{"its own tag", etag, http.StatusNotModified},
		{"a weak form of it among others", `"stale", W/` + etag, http.StatusNotModified},
		{"another tag", `"0123456789abcdef"`, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := get(t, url, "If-None-Match", tc.ifNoneMatch)
			if res.status != tc.status {
				t.Fatalf("status %d, want %d", res.status, tc.status)
			}
			if tc.status == http.StatusNotModified && len(res.body) != 0 {
				t.Errorf("a 304 with a body of %d bytes", len(res.body))
			}
		})
	}
}

func TestEveryFileTheMapPageNamesIsServed(t *testing.T) {
	srv := newServer(t)
	page := get(t, srv.URL+"/?f=html")
	app := get(t, srv.URL+"/static/app.js")
	refs := regexp.MustCompile(`(?:href|src)="(static/[^"]+)"`).FindAllStringSubmatch(string(page.body), -1)
	for _, m := range regexp.MustCompile(`from '\./([^']+)'`).FindAllStringSubmatch(string(app.body), -1) {
		refs = append(refs, []string{"", "static/" + m[1]})
	}
	if len(refs) < 4 {
		t.Fatalf("found only %d references to static files in the page and its script", len(refs))
	}
	for _, ref := range refs {
		if res := get(t, srv.URL+"/"+ref[1]); res.status != http.StatusOK {
			t.Errorf("%s: status %d", ref[1], res.status)
		}
	}
}

func TestUnknownMapFilesAreProblems(t *testing.T) {
	srv := newServer(t)
	for _, path := range []string{"/static/nothing.js", "/static/index.html", "/static/test/map.test.js", "/static/embed.go"} {
		res := get(t, srv.URL+path)
		if res.status != http.StatusNotFound || res.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: status %d %s, want a 404 problem", path, res.status, res.header.Get("Content-Type"))
		}
	}
}
