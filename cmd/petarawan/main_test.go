package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/petarawan/petarawan/api"
	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/data/datatest"
)

func TestMain(m *testing.M) { datatest.Main(m) }

// badFile writes a boundary file whose second feature is a LineString.
func badFile(t *testing.T) string {
	t.Helper()
	bad := filepath.Join(t.TempDir(), "bad.geojson")
	err := os.WriteFile(bad, []byte(`{"type":"FeatureCollection","features":[
		{"type":"Feature","properties":{"kode":"36.01.01.2001","nama":"Satu"},"geometry":{"type":"Polygon","coordinates":[[[105,-6],[105.1,-6],[105.1,-6.1],[105,-6]]]}},
		{"type":"Feature","properties":{"kode":"36.01.01.2002","nama":"Dua"},"geometry":{"type":"LineString","coordinates":[[105,-6],[105.1,-6]]}}]}`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	return bad
}

func TestCommandLineErrorsNameTheFileFeatureAndReason(t *testing.T) {
	t.Setenv("DATABASE_URL", datatest.NewDatabase(t))
	bad := badFile(t)
	dir := filepath.Dir(bad)
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"import", "boundaries", bad}, []string{"database unchanged", bad, "feature 1", "36.01.01.2002", "LineString"}},
		{[]string{"import", "boundaries", filepath.Join(dir, "missing.geojson")}, []string{"missing.geojson", "no such file"}},
		{[]string{"import", "boundaries"}, []string{"name at least one GeoJSON file"}},
		{[]string{"seed", "demo", "--everything"}, []string{"--everything"}},
	}
	for _, c := range cases {
		err := run(context.Background(), c.args)
		if err == nil {
			t.Errorf("%v: no error", c.args)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %q does not mention %q", c.args, err, w)
			}
		}
	}
	if err := run(context.Background(), []string{"frobnicate"}); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("an unknown command gives %v, want the usage", err)
	}
}

func TestCommandsNeedADatabaseURL(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	err := run(context.Background(), []string{"migrate"})
	if err == nil || !strings.Contains(err.Error(), "DATABASE_URL is not set") {
		t.Errorf("got %v", err)
	}
}

func TestConfigurationIsCheckedAtStart(t *testing.T) {
	for name, value := range map[string]string{"PETARAWAN_STATEMENT_TIMEOUT": "soon", "PETARAWAN_MAX_CONNS": "-3"} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, value)
			if err := run(context.Background(), []string{"migrate"}); err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("%s=%s: got %v, want an error naming the variable", name, value, err)
			}
		})
	}
}

func TestIfEmptyLoadsOnlyAnEmptyDatabase(t *testing.T) {
	t.Setenv("DATABASE_URL", datatest.NewDatabase(t))
	ctx := context.Background()
	bad := badFile(t)
	if err := run(ctx, []string{"import", "boundaries", "--if-empty", bad}); err == nil {
		t.Fatal("an empty database did not import the (bad) file")
	}
	if err := run(ctx, append([]string{"import", "boundaries", "--if-empty"}, datatest.BantenFiles()...)); err != nil {
		t.Fatal(err)
	}
	// Loaded now: the bad file is not even read.
	if err := run(ctx, []string{"import", "boundaries", "--if-empty", bad}); err != nil {
		t.Errorf("--if-empty read a file into a loaded database: %v", err)
	}
	if err := run(ctx, []string{"seed", "demo", "--if-empty"}); err != nil {
		t.Fatal(err)
	}
}

// captureStdout runs fn and returns what it printed on standard output.
func captureStdout(t *testing.T, fn func() error) (string, error) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stdout
	os.Stdout = w
	printed := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(r)
		printed <- b
	}()
	err = fn()
	os.Stdout = saved
	w.Close()
	return string(<-printed), err
}

func TestTokensAreMadeListedAndRevokedOnTheCommandLine(t *testing.T) {
	dbURL := datatest.BantenCopy(t) // jurisdictions name its units
	t.Setenv("DATABASE_URL", dbURL)
	ctx := context.Background()
	tokenRun := func(args ...string) (string, error) {
		return captureStdout(t, func() error { return run(ctx, append([]string{"token"}, args...)) })
	}
	out, err := tokenRun("create", "--role", "admin", "ops")
	if err != nil {
		t.Fatal(err)
	}
	secret := regexp.MustCompile(`secret: (prw_\S+)`).FindStringSubmatch(out)
	if secret == nil || !strings.Contains(out, "will not be shown again") {
		t.Fatalf("token create printed %q", out)
	}
	// The flag may follow the name too.
	if _, err := tokenRun("create", "gis-team", "--role", "viewer"); err != nil {
		t.Fatal(err)
	}

	store := datatest.Open(t, dbURL)
	srv := httptest.NewServer(api.New(store, slog.New(slog.NewTextHandler(io.Discard, nil)), api.Options{}))
	defer srv.Close()
	status := func() int {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/tokens", nil)
		req.Header.Set("Authorization", "Bearer "+secret[1])
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := status(); got != http.StatusOK {
		t.Errorf("the new admin token gets %d from GET /tokens, want 200", got)
	}

	conn := datatest.Conn(t, dbURL)
	var hashHex string
	if err := conn.QueryRow(ctx, `SELECT encode(hash, 'hex') FROM api_token WHERE name = 'ops'`).Scan(&hashHex); err != nil {
		t.Fatal(err)
	}
	list, err := tokenRun("list")
	if err != nil {
		t.Fatal(err)
	}
	osUser, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ops", "gis-team", "viewer", "admin", "cli:" + osUser.Username} {
		if !strings.Contains(list, want) {
			t.Errorf("token list does not show %q:\n%s", want, list)
		}
	}
	for _, secretish := range []string{secret[1], secret[1][len("prw_"):], hashHex} {
		if strings.Contains(list, secretish) {
			t.Errorf("token list shows a secret or hash:\n%s", list)
		}
	}
	var audited int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'token.create' AND actor = $1 AND role = 'admin'`,
		"cli:"+osUser.Username).Scan(&audited); err != nil || audited != 2 {
		t.Errorf("%d token.create audit entries by cli:%s (%v), want 2", audited, osUser.Username, err)
	}

	out, err = tokenRun("revoke", "ops")
	if err != nil || !strings.Contains(out, "revoked token ops") {
		t.Fatalf("token revoke: %q %v", out, err)
	}
	if got := status(); got != http.StatusUnauthorized {
		t.Errorf("the revoked token gets %d, want 401", got)
	}
	if list, _ := tokenRun("list"); !regexp.MustCompile(`ops\s+admin\s+everywhere\s+\S+\s+\S+\s+\d{4}-`).MatchString(list) {
		t.Errorf("token list does not show ops as revoked:\n%s", list)
	}

	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"revoke", "ops"}, []string{"ops", "revoked already"}},
		{[]string{"revoke", "nobody"}, []string{"no token named", "nobody"}},
		{[]string{"create", "--role", "boss", "x"}, []string{"boss", "viewer, editor, admin"}},
		{[]string{"create", "x"}, []string{"--role is required"}},
		{[]string{"create", "--role", "viewer", "gis-team"}, []string{"gis-team", "exists already"}},
		{[]string{"create", "--role", "viewer", "gis team"}, []string{"name", "letters, digits"}},
		{[]string{"create", "--role", "viewer"}, []string{"name one token"}},
		{[]string{"create", "--colour", "red", "x"}, []string{"colour"}},
		{[]string{"rotate", "ops"}, []string{"unknown subcommand", "rotate"}},
		{[]string{"create", "--role", "editor", "--jurisdiction", "36.03,36.99", "x"}, []string{"jurisdiction", "no admin unit has code 36.99"}},
		{[]string{"create", "--role", "editor", "--jurisdiction", "36.3", "x"}, []string{"jurisdiction", "36.3"}},
		{[]string{"create", "--role", "viewer", "--scoped-reads", "x"}, []string{"scoped reads need a jurisdiction"}},
		{[]string{"create", "--role", "admin", "--jurisdiction", "36.03", "x"}, []string{"viewer and editor"}},
	}
	for _, c := range cases {
		out, err := tokenRun(c.args...)
		if err == nil {
			t.Errorf("token %v: no error (printed %q)", c.args, out)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("token %v: error %q does not mention %q", c.args, err, w)
			}
		}
	}
	var tokens int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM api_token`).Scan(&tokens); err != nil || tokens != 2 {
		t.Errorf("%d tokens stored after the refused commands, want 2 (%v)", tokens, err)
	}

	// A jurisdiction: codes with or without dots, shown as stored.
	out, err = tokenRun("create", "--role", "editor", "--jurisdiction", "3603,36.71.01.1001", "--scoped-reads", "polres-tangerang")
	if err != nil || !strings.Contains(out, "in 36.03,36.71.01.1001 (reads too)") {
		t.Fatalf("token create with a jurisdiction: %q %v", out, err)
	}
	if list, _ := tokenRun("list"); !regexp.MustCompile(`polres-tangerang\s+editor\s+36\.03,36\.71\.01\.1001 \(reads too\)\s`).MatchString(list) {
		t.Errorf("token list does not show the jurisdiction:\n%s", list)
	}
}

func TestServeExecutesQueuedScoringRuns(t *testing.T) {
	dbURL := datatest.BantenCopy(t)
	t.Setenv("DATABASE_URL", dbURL)
	t.Setenv("PETARAWAN_ADDR", "127.0.0.1:0")
	store := datatest.Open(t, dbURL)
	queued, err := store.QueueScoring(context.Background(), data.Actor{Name: "cli:test", Role: data.Admin})
	if err != nil || len(queued) == 0 {
		t.Fatalf("queued %d runs: %v", len(queued), err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- run(ctx, []string{"serve"}) }()
	for _, r := range queued {
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			got, err := store.ScoringRun(context.Background(), r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status == "done" {
				break
			}
			if got.Status == "failed" || time.Now().After(deadline) {
				stop()
				t.Fatalf("run %d is %s", r.ID, got.Status)
			}
		}
	}
	stop()
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("serve ended with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop with its context")
	}
}
