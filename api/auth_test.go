package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/petarawan/petarawan/api"
	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/data/datatest"
)

// testAdmin creates the tokens of a test, as the command line would.
var testAdmin = data.Actor{Name: "cli:test", Role: data.Admin}

// newToken creates a token and returns its secret.
func newToken(t *testing.T, store *data.Store, name string, role data.Role) string {
	t.Helper()
	_, secret, err := store.CreateToken(context.Background(), testAdmin, data.TokenSpec{Name: name, Role: role})
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

func bearer(secret string) []string { return []string{"Authorization", "Bearer " + secret} }

// tableState fingerprints every table of the database: its row count and
// the newest row version (xmin). An insert or update makes a row version
// newer than any before, and a delete lowers the count, so any write shows.
func tableState(t *testing.T, conn *pgx.Conn) map[string]string {
	t.Helper()
	ctx := context.Background()
	rows, err := conn.Query(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	state := map[string]string{}
	for _, table := range tables {
		var s string
		err := conn.QueryRow(ctx, `SELECT count(*) || '/' || coalesce(max(xmin::text::bigint), 0) FROM `+pgx.Identifier{table}.Sanitize()).Scan(&s)
		if err != nil {
			t.Fatal(err)
		}
		state[table] = s
	}
	return state
}

func sameState(t *testing.T, what string, before, after map[string]string) {
	t.Helper()
	for table, s := range after {
		if before[table] != s {
			t.Errorf("%s changed table %s (rows/newest version %s -> %s)", what, table, before[table], s)
		}
	}
}

// protectedOperation is a route that needs a token, with the role /api says it needs.
type protectedOperation struct {
	method, path, url string
	role              data.Role
}

// pathValues fill the parameters of the protected paths; a refused request
// never reaches the handler, so any value serves.
var pathValues = map[string]string{"code": "riwayat_konflik_massa", "level": "desa", "name": "someone", "id": "1", "collectionId": "desa"}

var echoParam = regexp.MustCompile(`:([A-Za-z]+)`)
var roleInSummary = regexp.MustCompile(`\(role (viewer|editor|admin)\)$`)

// protectedOperations walks the router: every POST, PUT and DELETE route, and
// every read that /api marks as needing a token. Each must be documented in
// /api with its role.
func protectedOperations(t *testing.T, e *echo.Echo, base string) []protectedOperation {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]struct {
			Summary  string `json:"summary"`
			Security []any  `json:"security"`
		} `json:"paths"`
	}
	res := get(t, base+"/api")
	if err := json.Unmarshal(res.body, &doc); err != nil {
		t.Fatal(err)
	}
	var ops []protectedOperation
	for _, r := range e.Routes() {
		docPath := echoParam.ReplaceAllString(r.Path, "{$1}")
		op, documented := doc.Paths[docPath][strings.ToLower(r.Method)]
		// POST /plan/deployment writes nothing (its parameters are a JSON body): a public read.
		write := slices.Contains([]string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch}, r.Method) && r.Path != "/plan/deployment"
		if !write && len(op.Security) == 0 {
			continue
		}
		if !documented || len(op.Security) == 0 {
			t.Errorf("%s %s is not documented in /api as needing a token", r.Method, r.Path)
			continue
		}
		m := roleInSummary.FindStringSubmatch(op.Summary)
		if m == nil {
			t.Errorf("%s %s: /api does not say which role it needs (summary %q)", r.Method, r.Path, op.Summary)
			continue
		}
		url := base + echoParam.ReplaceAllStringFunc(r.Path, func(p string) string {
			if v, ok := pathValues[p[1:]]; ok {
				return v
			}
			return "x"
		})
		ops = append(ops, protectedOperation{r.Method, r.Path, url, data.Role(m[1])})
	}
	return ops
}

func TestEveryProtectedRouteRefusesMissingBadAndWeakTokensAndWritesNothing(t *testing.T) {
	dbURL := datatest.BantenCopy(t)
	store := datatest.Open(t, dbURL)
	e := api.New(store, slog.New(slog.NewTextHandler(io.Discard, nil)), api.Options{})
	srv := startServer(t, e)
	viewer := newToken(t, store, "viewer", data.Viewer)
	editor := newToken(t, store, "editor", data.Editor)
	revoked := newToken(t, store, "revoked", data.Admin)
	if _, err := store.RevokeToken(context.Background(), testAdmin, "revoked"); err != nil {
		t.Fatal(err)
	}
	conn := datatest.Conn(t, dbURL)
	ops := protectedOperations(t, e, srv.URL)
	var methods []string
	for _, op := range ops {
		methods = append(methods, op.method+" "+op.path)
	}
	// The routes of this package at least; others join as they are added.
	for _, want := range []string{"PUT /indicators/:code", "POST /indicators", "PUT /dimensions/:code", "PUT /thresholds/:level",
		"POST /scoring/runs", "POST /tokens", "DELETE /tokens/:name", "GET /tokens", "GET /audit"} {
		if !slices.Contains(methods, want) {
			t.Errorf("the matrix misses %s (found %v)", want, methods)
		}
	}

	type refusal struct {
		name   string
		header []string
		status int
		// only applies to routes needing more than this role
		above data.Role
	}
	refusals := []refusal{
		{"no token", nil, http.StatusUnauthorized, ""},
		{"basic credentials", []string{"Authorization", "Basic YWRtaW46YWRtaW4="}, http.StatusUnauthorized, ""},
		{"bearer without a token", []string{"Authorization", "Bearer"}, http.StatusUnauthorized, ""},
		{"token without a scheme", []string{"Authorization", viewer}, http.StatusUnauthorized, ""},
		{"unknown token", bearer("prw_" + strings.Repeat("A", 43)), http.StatusUnauthorized, ""},
		{"revoked admin token", bearer(revoked), http.StatusUnauthorized, ""},
		{"viewer token", bearer(viewer), http.StatusForbidden, data.Viewer},
		{"editor token", bearer(editor), http.StatusForbidden, data.Editor},
	}
	for _, op := range ops {
		before := tableState(t, conn)
		for _, r := range refusals {
			if r.above != "" && r.above.Allows(op.role) {
				continue
			}
			res := send(t, op.method, op.url, "application/json", `{}`, r.header...)
			if res.status != r.status {
				t.Errorf("%s %s with %s: %d %s, want %d", op.method, op.path, r.name, res.status, res.body, r.status)
			}
			if ct := res.header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("%s %s with %s: Content-Type %q, want problem+json", op.method, op.path, r.name, ct)
			}
			if r.status == http.StatusUnauthorized && !strings.HasPrefix(res.header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s %s with %s: WWW-Authenticate %q, want a Bearer challenge", op.method, op.path, r.name, res.header.Get("WWW-Authenticate"))
			}
		}
		sameState(t, "refused "+op.method+" "+op.path, before, tableState(t, conn))
	}
}

func TestATokenWorksAtOnceAndIsRefusedRightAfterItsRevocation(t *testing.T) {
	store := datatest.Open(t, datatest.BantenCopy(t))
	srv := startServer(t, apiHandler(store))
	root := newToken(t, store, "root", data.Admin)

	res := send(t, http.MethodPost, srv.URL+"/tokens", "application/json", `{"name":"ops","role":"admin"}`, bearer(root)...)
	if res.status != http.StatusCreated {
		t.Fatalf("POST /tokens: %d %s", res.status, res.body)
	}
	var created struct {
		Name, Role, Secret string
	}
	if err := json.Unmarshal(res.body, &created); err != nil {
		t.Fatal(err)
	}
	if created.Name != "ops" || created.Role != "admin" || !strings.HasPrefix(created.Secret, "prw_") {
		t.Fatalf("POST /tokens answered %s", res.body)
	}
	if res := get(t, srv.URL+"/tokens", bearer(created.Secret)...); res.status != http.StatusOK {
		t.Errorf("the new token is refused at once: %d %s", res.status, res.body)
	}
	if res := send(t, http.MethodDelete, srv.URL+"/tokens/ops", "", "", bearer(root)...); res.status != http.StatusOK {
		t.Fatalf("DELETE /tokens/ops: %d %s", res.status, res.body)
	}
	if res := get(t, srv.URL+"/tokens", bearer(created.Secret)...); res.status != http.StatusUnauthorized {
		t.Errorf("the revoked token still gets %d", res.status)
	}
	// Even on a public read: a client with a revoked token learns it.
	if res := get(t, srv.URL+"/indicators", bearer(created.Secret)...); res.status != http.StatusUnauthorized {
		t.Errorf("a public read with the revoked token gets %d, want 401", res.status)
	}
	for _, name := range []string{"ops", "nobody"} {
		if res := send(t, http.MethodDelete, srv.URL+"/tokens/"+name, "", "", bearer(root)...); res.status != http.StatusNotFound {
			t.Errorf("revoking %s (revoked or unknown): %d %s, want 404", name, res.status, res.body)
		}
	}
}

func TestReadsArePublicUnlessTheServerRequiresATokenForThem(t *testing.T) {
	dbURL := datatest.BantenCopy(t)
	store := datatest.Open(t, dbURL)
	viewer := newToken(t, store, "viewer", data.Viewer)
	public := startServer(t, apiHandler(store))
	closed := startServer(t, api.New(store, slog.New(slog.NewTextHandler(io.Discard, nil)), api.Options{RequireReadToken: true}))
	for _, path := range []string{"/collections/desa/items?limit=1", "/indicators", "/thresholds", "/scoring/runs"} {
		if res := get(t, public.URL+path); res.status != http.StatusOK {
			t.Errorf("public GET %s: %d, want 200", path, res.status)
		}
		res := get(t, closed.URL+path)
		if res.status != http.StatusUnauthorized || !strings.HasPrefix(res.header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("GET %s without a token on a closed server: %d (WWW-Authenticate %q), want 401 with a Bearer challenge",
				path, res.status, res.header.Get("WWW-Authenticate"))
		}
		if res := get(t, closed.URL+path, bearer(viewer)...); res.status != http.StatusOK {
			t.Errorf("GET %s with a viewer token on a closed server: %d, want 200", path, res.status)
		}
	}
	// A viewer reads, but does not administer.
	if res := get(t, closed.URL+"/audit", bearer(viewer)...); res.status != http.StatusForbidden {
		t.Errorf("GET /audit with a viewer token: %d, want 403", res.status)
	}
}

func TestTokenSecretsAreStoredHashedAndNeverListed(t *testing.T) {
	dbURL := datatest.BantenCopy(t)
	store := datatest.Open(t, dbURL)
	srv := startServer(t, apiHandler(store))
	root := newToken(t, store, "root", data.Admin)
	res := send(t, http.MethodPost, srv.URL+"/tokens", "application/json", `{"name":"gis-team","role":"viewer"}`, bearer(root)...)
	var created struct{ Secret string }
	if err := json.Unmarshal(res.body, &created); err != nil || created.Secret == "" {
		t.Fatalf("POST /tokens: %d %s", res.status, res.body)
	}
	conn := datatest.Conn(t, dbURL)
	ctx := context.Background()
	var hashHex string
	// PostgreSQL's own SHA-256 of the secret finds the row: the hash is what is stored.
	if err := conn.QueryRow(ctx, `SELECT encode(hash, 'hex') FROM api_token WHERE name = 'gis-team' AND hash = sha256($1::bytea)`,
		[]byte(created.Secret)).Scan(&hashHex); err != nil {
		t.Fatalf("no api_token row holds the SHA-256 of the secret: %v", err)
	}
	for _, table := range []string{"api_token", "audit_log"} {
		var n int
		err := conn.QueryRow(ctx, `SELECT count(*) FROM `+table+` t WHERE strpos(t::text, $1) > 0 OR strpos(t::text, $2) > 0`,
			created.Secret, created.Secret[len("prw_"):]).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d rows of %s hold the secret", n, table)
		}
	}
	list := get(t, srv.URL+"/tokens", bearer(root)...)
	if list.status != http.StatusOK || !strings.Contains(string(list.body), `"gis-team"`) {
		t.Fatalf("GET /tokens: %d %s", list.status, list.body)
	}
	for _, secretish := range []string{created.Secret, created.Secret[len("prw_"):], hashHex, `"hash"`, `"secret"`} {
		if strings.Contains(string(list.body), secretish) {
			t.Errorf("GET /tokens shows %q: %s", secretish, list.body)
		}
	}
	audit := get(t, srv.URL+"/audit?action=token.create", bearer(root)...)
	if strings.Contains(string(audit.body), created.Secret[len("prw_"):]) || strings.Contains(string(audit.body), hashHex) {
		t.Errorf("the audit log shows the secret or its hash: %s", audit.body)
	}
}
