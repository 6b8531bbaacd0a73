// Package datatest gives tests real PostGIS databases: fresh ones, and one
// loaded with the bundled Banten sample shared by the tests of a package.
//
// The server is $PETARAWAN_TEST_DATABASE_URL (make test sets it up); its role
// must be allowed to create databases. Without it the tests skip, except
// under CI, where they fail.
package datatest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/geo"
)

// EnvURL names the variable holding the test server's URL.
const EnvURL = "PETARAWAN_TEST_DATABASE_URL"

// BantenFiles are the bundled sample's boundary files.
func BantenFiles() []string {
	dir := filepath.Join(RepoRoot(), "testdata", "banten")
	return []string{filepath.Join(dir, "desa.geojson.gz"), filepath.Join(dir, "kecamatan.geojson.gz"), filepath.Join(dir, "kabupaten.geojson.gz")}
}

// RepoRoot is the repository's top folder.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func serverURL(tb testing.TB) string {
	u := os.Getenv(EnvURL)
	if u == "" {
		if os.Getenv("CI") != "" {
			tb.Fatalf("%s is not set: CI must run the database tests (make test sets it)", EnvURL)
		}
		tb.Skipf("%s is not set: run make test to get a PostGIS for this test", EnvURL)
	}
	return u
}

// NewDatabase creates an empty database, migrated, and drops it when the test ends.
func NewDatabase(tb testing.TB) string {
	dbURL := EmptyDatabase(tb)
	store := Open(tb, dbURL)
	if _, err := store.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return dbURL
}

// EmptyDatabase creates a database without any schema (not even PostGIS),
// dropped when the test ends, and returns its URL.
func EmptyDatabase(tb testing.TB) string {
	dbURL, drop, err := createDatabase(serverURL(tb), "")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(drop)
	return dbURL
}

// Open connects a store to dbURL and closes it when the test ends.
func Open(tb testing.TB, dbURL string, opts ...data.Options) *data.Store {
	opt := data.Options{StatementTimeout: 30 * time.Second}
	if len(opts) > 0 {
		opt = opts[0]
	}
	store, err := openStore(dbURL, opt)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(store.Close)
	return store
}

// OpenServing connects a store as the server does: with the least privilege
// roles (data.Options.LeastPrivilege), so that the API's tests also show that
// each handler works with no more rights than production gives it.
func OpenServing(tb testing.TB, dbURL string) *data.Store {
	return Open(tb, dbURL, data.Options{StatementTimeout: 30 * time.Second, LeastPrivilege: true})
}

// createDatabase creates a database, empty or as a copy of template.
func createDatabase(server, template string) (string, func(), error) {
	ctx := context.Background()
	conn, err := Connect(server)
	if err != nil {
		return "", nil, err
	}
	defer conn.Close(ctx)
	suffix := make([]byte, 6)
	rand.Read(suffix)
	name := "petarawan_test_" + hex.EncodeToString(suffix)
	create := "CREATE DATABASE " + name
	if template != "" {
		create += " TEMPLATE " + template
	}
	if _, err := conn.Exec(ctx, create); err != nil {
		return "", nil, err
	}
	u, err := url.Parse(server)
	if err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	drop := func() {
		conn, err := Connect(server)
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}
	return u.String(), drop, nil
}

// The Banten sample, loaded once per test binary into a template that
// nobody connects to, so that copies of it are quick to make.
var banten struct {
	once          sync.Once
	template, url string
	drops         []func()
	err           error
}

func loadBanten(tb testing.TB) {
	server := serverURL(tb)
	banten.once.Do(func() {
		var drop func()
		var templateURL string
		templateURL, drop, banten.err = createDatabase(server, "")
		if banten.err != nil {
			return
		}
		banten.drops = append(banten.drops, drop)
		if banten.err = load(templateURL); banten.err != nil {
			return
		}
		u, _ := url.Parse(templateURL)
		banten.template = strings.TrimPrefix(u.Path, "/")
		banten.url, drop, banten.err = createDatabase(server, banten.template)
		banten.drops = append(banten.drops, drop)
	})
	if banten.err != nil {
		tb.Fatalf("loading the Banten sample: %v", banten.err)
	}
}

// Banten returns the URL of a database holding the Banten sample and its demo
// data, shared by the tests of a package that only read; call Main from
// TestMain to drop it.
func Banten(tb testing.TB) string {
	loadBanten(tb)
	return banten.url
}

// BantenCopy returns the URL of a database of its own holding the Banten
// sample and its demo data, for a test that writes; it is dropped when the test ends.
func BantenCopy(tb testing.TB) string {
	loadBanten(tb)
	dbURL, drop, err := createDatabase(serverURL(tb), banten.template)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(drop)
	return dbURL
}

func load(dbURL string) error {
	ctx := context.Background()
	store, err := openStore(dbURL, data.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	if _, err := store.Migrate(ctx); err != nil {
		return err
	}
	if _, err := importBanten(store); err != nil {
		return err
	}
	// Before the demo scores, so that their scoring fills the cells as any scoring does.
	if _, err := store.RecomputeH3(ctx, data.Actor{Name: "test", Role: data.Admin}, geo.H3MaxRes, func(string) {}); err != nil {
		return err
	}
	_, err = store.SeedDemo(ctx)
	return err
}

// ImportBanten imports the bundled Banten files into store.
func ImportBanten(tb testing.TB, store *data.Store) *data.ImportReport {
	tb.Helper()
	report, err := importBanten(store)
	if err != nil {
		tb.Fatal(err)
	}
	return report
}

func importBanten(store *data.Store) (*data.ImportReport, error) {
	var sources []data.BoundarySource
	for _, path := range BantenFiles() {
		src, err := data.OpenBoundaryFile(path)
		if err != nil {
			return nil, err
		}
		defer src.Close()
		sources = append(sources, src)
	}
	return store.ImportBoundaries(context.Background(), sources, nil)
}

// Main runs the tests, then drops the shared Banten database.
func Main(m *testing.M) {
	code := m.Run()
	for i := len(banten.drops) - 1; i >= 0; i-- {
		banten.drops[i]()
	}
	os.Exit(code)
}

func openStore(dbURL string, opt data.Options) (*data.Store, error) {
	var store *data.Store
	err := whileStarting(func() (err error) {
		store, err = data.Open(context.Background(), dbURL, opt)
		return err
	})
	return store, err
}

// Connect opens a plain connection to dbURL, for the checks a test makes
// behind the store's back.
func Connect(dbURL string) (*pgx.Conn, error) {
	var conn *pgx.Conn
	err := whileStarting(func() (err error) {
		conn, err = pgx.Connect(context.Background(), dbURL)
		return err
	})
	return conn, err
}

// Conn opens a plain connection to dbURL, for the checks a test makes
// behind the store's back, and closes it when the test ends.
func Conn(tb testing.TB, dbURL string) *pgx.Conn {
	tb.Helper()
	conn, err := Connect(dbURL)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// whileStarting retries connect for up to 30 s while the server is starting
// or recovering: the test cluster is shared by every package, and PostgreSQL
// restarts all its sessions when one backend crashes (see README, "Known
// problems").
func whileStarting(connect func() error) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		// While restarting, the server refuses (57P03) or drops (EOF) new connections.
		err := connect()
		if err == nil || !data.IsUnavailable(err) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
}
