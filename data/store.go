// Package data is everything PostGIS: the connection pool, migrations,
// imports, demo seeding and the feature queries. All SQL lives here.
package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/petarawan/petarawan/migrations"
)

// Store reads and writes petarawan's data in PostGIS.
type Store struct {
	pool      *pgxpool.Pool
	elections electionCache
}

// Options tune the connection pool.
type Options struct {
	// StatementTimeout bounds every statement of the pool's connections.
	StatementTimeout time.Duration
	// MaxConns caps the pool (0: pgx's default, the larger of 4 and the CPU count).
	MaxConns int32
}

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
	if opt.MaxConns > 0 {
		cfg.MaxConns = opt.MaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to %s:%d/%s: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, err)
	}
	return &Store{pool: pool}, nil
}

// Close closes the pool.
func (s *Store) Close() { s.pool.Close() }

// Migrate applies the pending migrations and returns their versions.
func (s *Store) Migrate(ctx context.Context) ([]int64, error) {
	db := stdlib.OpenDBFromPool(s.pool)
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
