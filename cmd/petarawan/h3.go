package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/petarawan/petarawan/data"
)

// h3Command runs `petarawan h3 recompute [--if-stale]`.
func h3Command(ctx context.Context, cfg config, args []string) error {
	ifStale := len(args) == 2 && args[1] == "--if-stale"
	if len(args) == 0 || args[0] != "recompute" || (len(args) > 1 && !ifStale) {
		return fmt.Errorf("h3: usage: petarawan h3 recompute [--if-stale]")
	}
	store, _, err := cfg.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	if ifStale {
		st, err := store.H3Status(ctx)
		if err != nil {
			return err
		}
		if st.Current {
			fmt.Printf("the H3 aggregates are current (computed %s); nothing recomputed\n", st.ComputedAt.Format(time.RFC3339))
			return nil
		}
	}
	start := time.Now()
	report, err := store.RecomputeH3(ctx, cliActor(), func(step string) {
		fmt.Fprintf(os.Stderr, "%6s  %s\n", time.Since(start).Round(time.Second), step)
	})
	if err != nil {
		return fmt.Errorf("%w; the H3 tables are unchanged", err)
	}
	printH3Report(report, time.Since(start))
	return nil
}

func printH3Report(r data.H3Report, took time.Duration) {
	for _, res := range r.Resolutions {
		fmt.Printf("res %d: %8d cells, %8d desa overlaps\n", res, r.Cells[res], r.Overlaps[res])
	}
	fmt.Printf("%d cell scores over every election phase, in %s\n", r.Scores, took.Round(time.Millisecond))
}
