package data

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The read pool is what every read handler uses: a bug there must not be able to write.
func TestTheReadPoolCannotWrite(t *testing.T) {
	url := testServer(t)
	ctx := context.Background()
	s, err := Open(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.read.Exec(ctx, `CREATE TABLE read_pool_probe (x int)`)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "25006" { // read_only_sql_transaction
		t.Errorf("creating a table through the read pool: %v, want a read-only transaction error", err)
	}
	// The write pool can; the probe is rolled back.
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `CREATE TABLE read_pool_probe (x int)`); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	if err == nil || err.Error() != "roll back" {
		t.Errorf("creating a table through the write pool: %v", err)
	}
}

// The server's pools run as the roles of migration 00008: a read cannot
// write even outside its read-only transactions, and a write cannot change
// the schema, truncate a table or rewrite what is append-only.
func TestLeastPrivilegePools(t *testing.T) {
	server := testServer(t)
	ctx := context.Background()
	dbURL := scratchDatabase(t, server)
	owner, err := Open(ctx, dbURL, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	if _, err := owner.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, dbURL, Options{LeastPrivilege: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	refused := func(what string, pool interface {
		Begin(context.Context) (pgx.Tx, error)
	}, sql string) {
		t.Helper()
		tx, err := pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		if _, err := tx.Exec(ctx, `SET TRANSACTION READ WRITE`); err != nil {
			t.Fatal(err)
		}
		_, err = tx.Exec(ctx, sql)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" { // insufficient_privilege
			t.Errorf("%s (%s): %v, want permission denied", what, sql, err)
		}
	}
	refused("the read pool inserting", s.read, `INSERT INTO election (code, name, voting_day) VALUES ('x', 'x', '2029-02-14')`)
	refused("the read pool updating", s.read, `UPDATE category_threshold SET sedang = 1`)
	refused("the write pool dropping", s.write, `DROP TABLE risk_score`)
	refused("the write pool altering", s.write, `ALTER TABLE admin_unit ADD COLUMN probe int`)
	refused("the write pool truncating", s.write, `TRUNCATE incident`)
	refused("the write pool creating a table", s.write, `CREATE TABLE public.probe (x int)`)
	refused("the write pool rewriting the audit log", s.write, `DELETE FROM audit_log`)
	refused("the write pool rewriting observations", s.write, `UPDATE observation SET value = 0`)
	refused("the write pool editing the migration history", s.write, `DELETE FROM goose_db_version`)

	// What the server writes, it can: a row in a table of its own work.
	if _, err := s.write.Exec(ctx, `UPDATE category_threshold SET sedang = sedang`); err != nil {
		t.Errorf("the write pool updating thresholds: %v", err)
	}
}

// testServer is the test PostgreSQL server's URL (datatest cannot serve
// this package's own tests); the test skips without one.
func testServer(t *testing.T) string {
	url := os.Getenv("PETARAWAN_TEST_DATABASE_URL")
	if url == "" {
		t.Skip("PETARAWAN_TEST_DATABASE_URL is not set: run make test to get a PostGIS for this test")
	}
	return url
}

// scratchDatabase creates an empty database on server, dropped when the test
// ends (datatest cannot serve this package's own tests).
func scratchDatabase(t *testing.T, server string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("petarawan_test_roles_%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, server)
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, err := url.Parse(server)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
