package data

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// With every connection held, a statement waits for one at most
// AcquireTimeout and fails with ErrBusy, whichever way it is sent; a caller
// that gives up first gets its own context's error.
func TestPoolWaitIsBounded(t *testing.T) {
	url := testServer(t)
	ctx := context.Background()
	const wait = 300 * time.Millisecond
	s, err := Open(ctx, url, Options{MaxConns: 1, AcquireTimeout: wait})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	held, err := s.read.Begin(ctx) // the read pool's only connection
	if err != nil {
		t.Fatal(err)
	}
	statements := map[string]func(ctx context.Context) error{
		"Query": func(ctx context.Context) error {
			rows, err := s.read.Query(ctx, `SELECT generate_series(1, 3)`)
			if err != nil {
				return err
			}
			for rows.Next() { // read to the end, not closed
			}
			return rows.Err()
		},
		"QueryRow": func(ctx context.Context) error {
			var n int
			return s.read.QueryRow(ctx, `SELECT 1`).Scan(&n)
		},
		"Exec": func(ctx context.Context) error {
			_, err := s.read.Exec(ctx, `SELECT 1`)
			return err
		},
		"SendBatch": func(ctx context.Context) error {
			b := &pgx.Batch{}
			b.Queue(`SELECT 1`)
			return s.read.SendBatch(ctx, b).Close()
		},
		"Begin": func(ctx context.Context) error {
			tx, err := s.read.Begin(ctx)
			if err != nil {
				return err
			}
			return tx.Rollback(ctx)
		},
	}
	for name, run := range statements {
		start := time.Now()
		err := run(ctx)
		took := time.Since(start)
		if !errors.Is(err, ErrBusy) {
			t.Errorf("%s with the pool held: %v, want ErrBusy", name, err)
		}
		if took < wait || took > wait+time.Second {
			t.Errorf("%s with the pool held failed after %s, want about %s", name, took, wait)
		}
	}

	cancelled, cancel := context.WithCancel(ctx)
	time.AfterFunc(50*time.Millisecond, cancel)
	if err := statements["Query"](cancelled); !errors.Is(err, context.Canceled) || errors.Is(err, ErrBusy) {
		t.Errorf("a query cancelled while waiting: %v, want context.Canceled", err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := statements["QueryRow"](short); !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrBusy) {
		t.Errorf("a query whose own deadline passed while waiting: %v, want context.DeadlineExceeded", err)
	}

	// Each statement gives its connection back: the next one gets it at once.
	if err := held.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	for name, run := range statements {
		start := time.Now()
		if err := run(ctx); err != nil {
			t.Errorf("%s on a free pool: %v", name, err)
		}
		if took := time.Since(start); took > wait/2 {
			t.Errorf("%s on a free pool took %s: the connection was not given back", name, took)
		}
		if n := s.read.Stat().AcquiredConns(); n != 0 {
			t.Errorf("after %s: %d connections still in use", name, n)
		}
	}
	// Rows closed before their end give it back too.
	rows, err := s.read.Query(ctx, `SELECT generate_series(1, 100000)`)
	if err != nil {
		t.Fatal(err)
	}
	rows.Next()
	rows.Close()
	if n := s.read.Stat().AcquiredConns(); n != 0 {
		t.Errorf("after rows closed early: %d connections still in use", n)
	}
}
