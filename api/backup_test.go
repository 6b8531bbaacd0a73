package api_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/petarawan/petarawan/data/datatest"
)

// The backup procedure of the README: pg_dump -Fc of a database, pg_restore
// into a fresh one, and the API answers the same bytes from both.
func TestBackupRestoresIdenticalAnswers(t *testing.T) {
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is missing: make test installs PostgreSQL's client with the server", tool)
			}
			t.Skipf("%s is missing (Debian package postgresql-client-15)", tool)
		}
	}
	source := datatest.Banten(t)
	restored := datatest.EmptyDatabase(t)
	dump := filepath.Join(t.TempDir(), "petarawan.dump")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for _, args := range [][]string{
		{"pg_dump", "--format=custom", "--file=" + dump, "--dbname=" + source},
		{"pg_restore", "--exit-on-error", "--no-owner", "--dbname=" + restored, dump},
	} {
		if out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", args[0], err, out)
		}
	}
	before := startServer(t, apiHandler(datatest.Open(t, source)))
	after := startServer(t, apiHandler(datatest.Open(t, restored)))

	// Answers stamp the time they were made and link to their own server;
	// nothing else may differ.
	timeStamp := regexp.MustCompile(`"timeStamp":"[^"]*"`)
	const plan = `{"available": 1300, "areas": ["36.02"], "phase": "kampanye"}`
	for _, r := range []struct{ method, path, body string }{
		{http.MethodGet, "/collections", ""},
		{http.MethodGet, "/collections/desa/items?limit=50&offset=700&sortby=-score", ""},
		{http.MethodGet, "/collections/kabupaten/items?phase=masa_tenang", ""},
		{http.MethodGet, "/collections/desa/items/36.72.01.1001/explain?phase=kampanye", ""},
		{http.MethodGet, "/collections/insiden/items?kabupaten_code=36.72&limit=200", ""},
		{http.MethodGet, "/observations?limit=100", ""},
		{http.MethodGet, "/tiles/desa/12/3255/2119.mvt?phase=kampanye", ""},
		{http.MethodGet, "/h3/7?area=36.02&phase=kampanye", ""},
		{http.MethodGet, "/hotspots?area=36.72&fdr=true", ""},
		{http.MethodGet, "/areas/36.02/summary", ""},
		{http.MethodGet, "/search?q=serang", ""},
		{http.MethodGet, "/indicators", ""},
		{http.MethodGet, "/scoring/runs", ""},
		{http.MethodPost, "/plan/deployment?f=csv", plan},
	} {
		var answers [2]response
		for i, srv := range []string{before.URL, after.URL} {
			if r.method == http.MethodGet {
				answers[i] = get(t, srv+r.path)
			} else {
				answers[i] = send(t, r.method, srv+r.path, "application/json", r.body)
			}
		}
		for i, srv := range []string{before.URL, after.URL} {
			answers[i].body = bytes.ReplaceAll(timeStamp.ReplaceAll(answers[i].body, nil), []byte(srv), []byte("http://server"))
		}
		a, b := answers[0], answers[1]
		if a.status != http.StatusOK {
			t.Errorf("%s %s on the source: %d %s", r.method, r.path, a.status, a.body)
			continue
		}
		if b.status != a.status || !bytes.Equal(a.body, b.body) || a.header.Get("ETag") != b.header.Get("ETag") {
			t.Errorf("%s %s: the restored database answers %d (%d bytes, ETag %q), the source %d (%d bytes, ETag %q)",
				r.method, r.path, b.status, len(b.body), b.header.Get("ETag"), a.status, len(a.body), a.header.Get("ETag"))
		}
	}
}
