// Package data is everything PostGIS: the connection pool, migrations,
// imports, demo seeding and the feature queries. All SQL lives here.
package data

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/petarawan/petarawan/migrations"
)

// Store reads and writes petarawan's data in PostGIS.
type Store struct {
	// read runs every statement in a read-only transaction, so that a read
	// path cannot write; write serves writes, imports and migrations.
	read, write *boundedPool
	elections   electionCache
	// scoringQueued wakes ScoringWorker when this process queues a run.
	scoringQueued chan struct{}
	opt           Options
}

// Options tune the connection pool.
type Options struct {
	// StatementTimeout bounds every statement of the pool's connections.
	StatementTimeout time.Duration
	// MaxConns caps the read pool (0: pgx's default, the larger of 4 and the CPU count).
	MaxConns int32
	// WriteConns caps the write pool (0: writeConns).
	WriteConns int32
	// AcquireTimeout bounds the wait for a free connection of a pool
	// (0: defaultAcquireTimeout); past it a statement fails with ErrBusy.
	AcquireTimeout time.Duration
	// LeastPrivilege runs the read pool as ReaderRole and the write pool as
	// WriterRole (migration 00008), so that a read cannot write and a write
	// cannot drop or alter a table. The server runs so; migrations, imports
	// and H3 recomputes need the owner's rights and run without it.
	LeastPrivilege bool
	// ObserveJob, if set, is told how long each job took: the committed
	// scoring runs (scoring_full, scoring_write, each with the refresh of its
	// H3 cells) and H3 recomputes (h3_recompute).
	ObserveJob func(job string, took time.Duration)
}

// The database roles of LeastPrivilege.
const (
	ReaderRole = "petarawan_reader"
	WriterRole = "petarawan_writer"
)

// writeConns is the default size of the write pool: writes are few and short.
const writeConns = 4

// Open connects to the database at url and checks that it answers.
func Open(ctx context.Context, url string, opt Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	params := cfg.ConnConfig.RuntimeParams
	params["application_name"] = "petarawan"
	if opt.StatementTimeout > 0 {
		params["statement_timeout"] = strconv.FormatInt(opt.StatementTimeout.Milliseconds(), 10)
	}
	// JIT compilation costs more than it saves on petarawan's short queries (FIELD-NOTES.md).
	params["jit"] = "off"
	cfg.ConnConfig.BuildContextWatcherHandler = cancelByRequest
	readCfg := cfg.Copy()
	readCfg.ConnConfig.RuntimeParams["default_transaction_read_only"] = "on"
	if opt.LeastPrivilege {
		// The session user (the owner) takes the role as the session starts.
		readCfg.ConnConfig.RuntimeParams["role"] = ReaderRole
		cfg.ConnConfig.RuntimeParams["role"] = WriterRole
	}
	if opt.MaxConns > 0 {
		readCfg.MaxConns = opt.MaxConns
	}
	cfg.MaxConns = writeConns
	if opt.WriteConns > 0 {
		cfg.MaxConns = opt.WriteConns
	}
	s := &Store{scoringQueued: make(chan struct{}, 1), opt: opt}
	for _, p := range []struct {
		pool **boundedPool
		cfg  *pgxpool.Config
	}{{&s.read, readCfg}, {&s.write, cfg}} {
		pool, err := pgxpool.NewWithConfig(ctx, p.cfg)
		if err != nil {
			s.Close()
			return nil, err
		}
		*p.pool = &boundedPool{pool: pool, wait: cmp.Or(opt.AcquireTimeout, defaultAcquireTimeout)}
	}
	if err := s.write.Ping(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("connect to %s:%d/%s: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, err)
	}
	return s, nil
}

// Close closes the pools.
func (s *Store) Close() {
	for _, p := range []*boundedPool{s.read, s.write} {
		if p != nil {
			p.Close()
		}
	}
}

// inTx runs fn in one transaction of the write pool, committed when fn returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := s.write.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// Migrate applies the pending migrations and returns their versions.
func (s *Store) Migrate(ctx context.Context) ([]int64, error) {
	db := stdlib.OpenDBFromPool(s.write.pool)
	defer db.Close()
	p, err := migrationProvider(db)
	if err != nil {
		return nil, err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	var applied []int64
	for _, r := range results {
		applied = append(applied, r.Source.Version)
	}
	return applied, nil
}

func migrationProvider(db *sql.DB) (*goose.Provider, error) {
	return goose.NewProvider(goose.DialectPostgres, db, migrations.FS)
}

// IsUnavailable tells whether err means the database could not be reached or
// dropped the session (restarting, shutting down, connection lost): worth a
// retry later, not a bug.
func IsUnavailable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08: connection exception; 57P0x: shutdown, crash, cannot connect now.
		return strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57P")
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) || errors.As(err, &netErr) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed)
}

// IsTimeout tells whether err is a statement cut short by the statement
// timeout (not by a cancelled request, which shares its error code).
func IsTimeout(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "57014" && strings.Contains(pgErr.Message, "statement timeout")
}
