package data

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrBusy means that no connection of a pool came free within
// Options.AcquireTimeout: every one was busy (or the database too slow to
// open another). Worth a retry later, not a bug.
var ErrBusy = errors.New("every database connection is busy")

// defaultAcquireTimeout is Options.AcquireTimeout when unset: long enough to
// ride out a burst of short queries, short enough that a client is told
// "busy" instead of waiting on a pool held by slow ones.
const defaultAcquireTimeout = 2 * time.Second

// boundedPool is a pgxpool.Pool whose statements wait for a connection at
// most wait. pgxpool alone waits as long as the statement's context lives, and a
// request's context has no deadline: with every connection held, requests
// would queue without end. The connection goes back to the pool as pgxpool's
// own methods give it back: when the rows are closed or read to the end, the
// row scanned, the transaction ended, the batch closed.
type boundedPool struct {
	pool *pgxpool.Pool
	wait time.Duration
}

// acquire takes a connection, waiting at most p.wait. A request cancelled
// meanwhile gets its own context's error, not ErrBusy.
func (p *boundedPool) acquire(ctx context.Context) (*pgxpool.Conn, error) {
	waitCtx, cancel := context.WithTimeoutCause(ctx, p.wait, ErrBusy)
	defer cancel()
	c, err := p.pool.Acquire(waitCtx)
	if err != nil && context.Cause(waitCtx) == ErrBusy {
		return nil, fmt.Errorf("%w: no connection came free within %s", ErrBusy, p.wait)
	}
	return c, err
}

// Stat is the pool's statistics.
func (p *boundedPool) Stat() *pgxpool.Stat { return p.pool.Stat() }

// Close closes every connection of the pool.
func (p *boundedPool) Close() { p.pool.Close() }

// Exec, Query, QueryRow, SendBatch, Begin, BeginTx and Ping are pgxpool's,
// with the bounded wait.
func (p *boundedPool) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	c, err := p.acquire(ctx)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	defer c.Release()
	return c.Exec(ctx, sql, args...)
}

func (p *boundedPool) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	c, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := c.Query(ctx, sql, args...)
	if err != nil {
		c.Release()
		return nil, err
	}
	return &poolRows{Rows: rows, c: c}, nil
}

func (p *boundedPool) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	c, err := p.acquire(ctx)
	if err != nil {
		return errRow{err}
	}
	return &poolRow{row: c.QueryRow(ctx, sql, args...), c: c}
}

func (p *boundedPool) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	c, err := p.acquire(ctx)
	if err != nil {
		return pgx.FailedBatchResults(b, err)
	}
	return &poolBatch{BatchResults: c.SendBatch(ctx, b), c: c}
}

func (p *boundedPool) Begin(ctx context.Context) (pgx.Tx, error) {
	return p.BeginTx(ctx, pgx.TxOptions{})
}

func (p *boundedPool) BeginTx(ctx context.Context, opt pgx.TxOptions) (pgx.Tx, error) {
	c, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := c.BeginTx(ctx, opt)
	if err != nil {
		c.Release()
		return nil, err
	}
	return &poolTx{Tx: tx, c: c}, nil
}

func (p *boundedPool) Ping(ctx context.Context) error {
	c, err := p.acquire(ctx)
	if err != nil {
		return err
	}
	defer c.Release()
	return c.Ping(ctx)
}

// cancelGrace is how long a cancelled statement's connection waits for the
// server to honour the cancel request before it is closed instead.
const cancelGrace = time.Second

// cancelByRequest stops the statement of a cancelled context (a client gone,
// a deadline) with a cancel request and keeps the connection, where pgx's
// default closes the connection at once. Closing it in the middle of an items
// result makes PostgreSQL 15.18 with PostGIS 3.3.2 abort the backend now and
// then ("malloc(): ... corrupted"), which restarts every session of the
// server (README, Known problems); the cancel request never did. The
// connection also goes back to the pool instead of being opened again.
func cancelByRequest(c *pgconn.PgConn) ctxwatch.Handler {
	return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: cancelGrace}
}

// poolRows gives its connection back once closed or read to the end.
type poolRows struct {
	pgx.Rows
	c *pgxpool.Conn
}

func (r *poolRows) Close() {
	r.Rows.Close()
	if r.c != nil {
		r.c.Release()
		r.c = nil
	}
}

func (r *poolRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.Close()
	return false
}

func (r *poolRows) Scan(dest ...any) error {
	err := r.Rows.Scan(dest...)
	if err != nil {
		r.Close()
	}
	return err
}

func (r *poolRows) Values() ([]any, error) {
	v, err := r.Rows.Values()
	if err != nil {
		r.Close()
	}
	return v, err
}

// poolRow gives its connection back once scanned.
type poolRow struct {
	row pgx.Row
	c   *pgxpool.Conn
}

func (r *poolRow) Scan(dest ...any) error {
	defer r.c.Release()
	return r.row.Scan(dest...)
}

// errRow is the row of a statement that got no connection.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// poolBatch gives its connection back once closed.
type poolBatch struct {
	pgx.BatchResults
	c *pgxpool.Conn
}

func (b *poolBatch) Close() error {
	err := b.BatchResults.Close()
	if b.c != nil {
		b.c.Release()
		b.c = nil
	}
	return err
}

// poolTx gives its connection back once committed or rolled back.
type poolTx struct {
	pgx.Tx
	c *pgxpool.Conn
}

func (t *poolTx) Commit(ctx context.Context) error {
	err := t.Tx.Commit(ctx)
	t.release()
	return err
}

func (t *poolTx) Rollback(ctx context.Context) error {
	err := t.Tx.Rollback(ctx)
	t.release()
	return err
}

func (t *poolTx) release() {
	if t.c != nil {
		t.c.Release()
		t.c = nil
	}
}
