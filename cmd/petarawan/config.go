package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/petarawan/petarawan/api"
	"github.com/petarawan/petarawan/data"
)

// config is petarawan's configuration, read from the environment.
type config struct {
	databaseURL      string
	addr             string
	statementTimeout time.Duration
	maxConns         int32
	requireReadToken bool
	tileCacheMB      int64
	logJSON          bool
	rateLimits       api.RateLimits
}

func configFromEnv() (config, error) {
	cfg := config{
		databaseURL:      os.Getenv("DATABASE_URL"),
		addr:             envOr("PETARAWAN_ADDR", ":8080"),
		statementTimeout: 10 * time.Second,
		maxConns:         16,
		tileCacheMB:      256,
		logJSON:          true,
		rateLimits:       api.RateLimits{Writes: 60, HeavyReads: 300},
	}
	if v := os.Getenv("PETARAWAN_STATEMENT_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return cfg, fmt.Errorf("PETARAWAN_STATEMENT_TIMEOUT=%q: want a positive duration such as 10s", v)
		}
		cfg.statementTimeout = d
	}
	for _, err := range []error{
		envInt("PETARAWAN_MAX_CONNS", 1, &cfg.maxConns, "a whole number of at least 1"),
		envInt("PETARAWAN_TILE_CACHE_MB", 0, &cfg.tileCacheMB, "a whole number of megabytes, 0 to turn the tile cache off"),
		envInt("PETARAWAN_RATE_WRITES", 0, &cfg.rateLimits.Writes, "a whole number of requests a minute, 0 for no limit"),
		envInt("PETARAWAN_RATE_HEAVY_READS", 0, &cfg.rateLimits.HeavyReads, "a whole number of requests a minute, 0 for no limit"),
	} {
		if err != nil {
			return cfg, err
		}
	}
	switch v := os.Getenv("PETARAWAN_LOG_FORMAT"); v {
	case "", "json":
	case "text":
		cfg.logJSON = false
	default:
		return cfg, fmt.Errorf("PETARAWAN_LOG_FORMAT=%q: want json (the default) or text", v)
	}
	switch v := os.Getenv("PETARAWAN_READ_TOKEN"); v {
	case "", "optional":
	case "required":
		cfg.requireReadToken = true
	default:
		return cfg, fmt.Errorf("PETARAWAN_READ_TOKEN=%q: want optional (reads are public, the default) or required", v)
	}
	return cfg, nil
}

// envInt reads variable name, when set, into to: a whole number no smaller
// than least that fits a T; otherwise the error says it wants want.
func envInt[T int | int32 | int64](name string, least T, to *T, want string) error {
	v := os.Getenv(name)
	if v == "" {
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < int64(least) || int64(T(n)) != n {
		return fmt.Errorf("%s=%q: want %s", name, v, want)
	}
	*to = T(n)
	return nil
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

// openMigrated connects to the database and applies pending migrations,
// returning their versions; every subcommand starts so.
func (c config) openMigrated(ctx context.Context) (*data.Store, []int64, error) {
	store, err := c.open(ctx, data.Options{})
	if err != nil {
		return nil, nil, err
	}
	applied, err := store.Migrate(ctx)
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	return store, applied, nil
}

// openServing migrates as the DATABASE_URL user, then connects the server's
// pools with the least privilege their work needs (data.Options.LeastPrivilege).
func (c config) openServing(ctx context.Context, observeJob func(string, time.Duration)) (*data.Store, error) {
	owner, _, err := c.openMigrated(ctx)
	if err != nil {
		return nil, err
	}
	owner.Close()
	return c.open(ctx, data.Options{ObserveJob: observeJob, LeastPrivilege: true})
}

// open connects with the configured pool settings added to opt.
func (c config) open(ctx context.Context, opt data.Options) (*data.Store, error) {
	if c.databaseURL == "" {
		return nil, fmt.Errorf("DATABASE_URL is not set (make run sets it up; see README.md)")
	}
	opt.StatementTimeout, opt.MaxConns = c.statementTimeout, c.maxConns
	return data.Open(ctx, c.databaseURL, opt)
}
