package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/geo"
)

func migrate(ctx context.Context, cfg config) error {
	store, applied, err := cfg.openMigrated(ctx)
	if err != nil {
		return err
	}
	store.Close()
	if len(applied) == 0 {
		fmt.Println("schema is up to date")
	} else {
		fmt.Printf("applied migrations %v\n", applied)
	}
	return nil
}

func importBoundaries(ctx context.Context, cfg config, args []string) error {
	ifEmpty := len(args) > 0 && args[0] == "--if-empty"
	if ifEmpty {
		args = args[1:]
	}
	if len(args) == 0 {
		return fmt.Errorf("import boundaries: name at least one GeoJSON file")
	}
	store, _, err := cfg.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	if loaded, err := alreadyHolds(ctx, ifEmpty, store.UnitCount, "admin units; nothing imported"); loaded || err != nil {
		return err
	}
	var sources []data.BoundarySource
	for _, path := range args {
		src, err := data.OpenBoundaryFile(path)
		if err != nil {
			return err
		}
		defer src.Close()
		sources = append(sources, src)
	}
	start := time.Now()
	report, err := store.ImportBoundaries(ctx, sources, func(step string, n int) {
		elapsed := time.Since(start).Round(time.Second)
		if n > 0 {
			fmt.Fprintf(os.Stderr, "%6s  %s: %d features\n", elapsed, step, n)
		} else {
			fmt.Fprintf(os.Stderr, "%6s  %s\n", elapsed, step)
		}
	})
	if err != nil {
		return fmt.Errorf("import failed, database unchanged: %w", err)
	}
	for _, r := range report.Repaired {
		fmt.Printf("repaired %s feature %d (kode %s): %s\n", r.Source, r.Index, r.Code, r.Reason)
	}
	for _, l := range geo.Levels {
		if report.Read[l]+report.Dissolved[l] > 0 {
			fmt.Printf("%-10s %6d read, %6d dissolved from the level below\n", l, report.Read[l], report.Dissolved[l])
		}
	}
	fmt.Printf("%d inserted, %d updated, %d unchanged, %d geometries repaired in %s\n",
		report.Inserted, report.Updated, report.Unchanged, len(report.Repaired), time.Since(start).Round(time.Millisecond))
	return nil
}

func seedDemo(ctx context.Context, cfg config, args []string) error {
	ifEmpty := len(args) == 1 && args[0] == "--if-empty"
	if len(args) > 0 && !ifEmpty {
		return fmt.Errorf("seed demo: unexpected arguments %v", args)
	}
	store, _, err := cfg.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	if loaded, err := alreadyHolds(ctx, ifEmpty, store.ScoreCount, "risk scores; no demo scores written"); loaded || err != nil {
		return err
	}
	start := time.Now()
	report, err := store.SeedDemo(ctx)
	if err != nil {
		return fmt.Errorf("seed demo: %w", err)
	}
	scores := 0
	for _, r := range report.Runs {
		scores += *r.UnitsScored
	}
	fmt.Printf("wrote %d demo observations and %d demo incidents, scored %d phases (%d scores) in %s; all labelled demo\n",
		report.Observations, report.Incidents, len(report.Runs), scores, time.Since(start).Round(time.Millisecond))
	return nil
}

// alreadyHolds tells, for a command run with --if-empty (ifEmpty), whether
// count finds rows, and says so: then the command has nothing to do.
func alreadyHolds(ctx context.Context, ifEmpty bool, count func(context.Context) (int, error), what string) (bool, error) {
	if !ifEmpty {
		return false, nil
	}
	n, err := count(ctx)
	if err != nil || n == 0 {
		return false, err
	}
	fmt.Printf("the database already holds %d %s\n", n, what)
	return true, nil
}
