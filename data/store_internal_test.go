package data

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The read pool is what every read handler uses: a bug there must not be able to write.
func TestTheReadPoolCannotWrite(t *testing.T) {
	url := os.Getenv("PETARAWAN_TEST_DATABASE_URL")
	if url == "" {
		t.Skip("PETARAWAN_TEST_DATABASE_URL is not set: run make test to get a PostGIS for this test")
	}
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
