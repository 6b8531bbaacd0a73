// Command petarawan serves Indonesian desa/kelurahan boundaries joined with
// election-security risk scores, and manages the data behind them.
//
//	petarawan serve                          migrate, then serve the API on $PETARAWAN_ADDR (:8080)
//	petarawan migrate                        apply pending schema migrations
//	petarawan import boundaries FILE...      load admin units from GeoJSON (.geojson or .geojson.gz)
//	petarawan import observations FILE.csv   record observations from CSV and rescore
//	petarawan score                          rescore every election phase
//	petarawan seed demo                      write deterministic demo observations and incidents, then score
//	petarawan token create|revoke|list       manage API tokens
//
// The database is $DATABASE_URL.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage:
  petarawan serve                              migrate, then serve the API
  petarawan migrate                            apply pending schema migrations
  petarawan import boundaries [--if-empty] FILE...
                                               load admin units from GeoJSON files (.geojson, .geojson.gz)
  petarawan import observations [--dry-run] FILE.csv
                                               record observations (all or nothing) and rescore; --dry-run
                                               reports every problem line by line and what would change
  petarawan score                              rescore every phase of every election from the stored inputs
  petarawan seed demo [--if-empty]             write deterministic demo observations and incidents, then score
  petarawan h3 recompute [--if-stale] [--max-res N]
                                               measure every desa's overlap with the H3 cells of res 5-9 and
                                               aggregate the scores; --if-stale skips it when the H3 tables
                                               match the stored boundaries
  petarawan token create --role viewer|editor|admin NAME
                                               make an API token and print its secret (shown only this once)
  petarawan token revoke NAME                  revoke a token: it is refused from then on
  petarawan token list                         list the tokens (never their secrets)

environment:
  DATABASE_URL                   PostgreSQL/PostGIS connection URL (required)
  PETARAWAN_ADDR                 listen address (default :8080)
  PETARAWAN_STATEMENT_TIMEOUT    bound on every query of the API (default 10s)
  PETARAWAN_MAX_CONNS            database connections of the API's reads (default 16)
  PETARAWAN_READ_TOKEN           optional (default: reads are public) or required (every request needs a token)
  PETARAWAN_TILE_CACHE_MB        memory of the vector tile cache in MB (default 256; 0 turns it off)
  PETARAWAN_LOG_FORMAT           json (the default: one JSON object per line) or text
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "petarawan:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	cfg, err := configFromEnv()
	if err != nil {
		return err
	}
	switch {
	case len(args) >= 1 && args[0] == "serve":
		return serve(ctx, cfg)
	case len(args) >= 1 && args[0] == "migrate":
		return migrate(ctx, cfg)
	case len(args) >= 2 && args[0] == "import" && args[1] == "boundaries":
		return importBoundaries(ctx, cfg, args[2:])
	case len(args) >= 2 && args[0] == "import" && args[1] == "observations":
		return importObservations(ctx, cfg, args[2:])
	case len(args) >= 1 && args[0] == "score":
		return scoreAll(ctx, cfg, args[1:])
	case len(args) >= 2 && args[0] == "seed" && args[1] == "demo":
		return seedDemo(ctx, cfg, args[2:])
	case len(args) >= 1 && args[0] == "h3":
		return h3Command(ctx, cfg, args[1:])
	case len(args) >= 1 && args[0] == "token":
		return tokenCommand(ctx, cfg, args[1:])
	}
	return flag.ErrHelp
}
