package data

import (
	"context"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/petarawan/petarawan/migrations"
)

// readyTimeout bounds a readiness check: a probe must answer quickly, above
// all when the database does not.
const readyTimeout = 2 * time.Second

// Schema is the migration version the database is at and the one this
// build migrates to.
type Schema struct {
	Current int64 `json:"current"`
	Latest  int64 `json:"latest"`
}

// CheckReady tells whether the database answers (within readyTimeout) and
// at which schema version, beside the latest one this build knows.
func (s *Store) CheckReady(ctx context.Context) (Schema, error) {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	schema := Schema{Latest: latestMigration}
	err := s.read.QueryRow(ctx, `SELECT coalesce(max(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&schema.Current)
	return schema, err
}

// latestMigration is the highest version among the embedded migrations
// (files named NNNNN_name.sql).
var latestMigration = func() int64 {
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		panic(err)
	}
	var latest int64
	for _, name := range names {
		digits, _, _ := strings.Cut(name, "_")
		v, err := strconv.ParseInt(digits, 10, 64)
		if err != nil {
			panic(fmt.Sprintf("migration %s: the name does not start with a version", name))
		}
		latest = max(latest, v)
	}
	return latest
}()

// PoolStats are the statistics of the two connection pools, by name (read, write).
func (s *Store) PoolStats() map[string]*pgxpool.Stat {
	return map[string]*pgxpool.Stat{"read": s.read.Stat(), "write": s.write.Stat()}
}

// observe reports how long a background job took (Options.ObserveJob).
func (s *Store) observe(job string, since time.Time) {
	if s.opt.ObserveJob != nil {
		s.opt.ObserveJob(job, time.Since(since))
	}
}
