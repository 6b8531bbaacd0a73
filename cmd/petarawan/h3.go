package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/geo"
)

// h3Command runs `petarawan h3 recompute [--if-stale] [--max-res N]`.
func h3Command(ctx context.Context, cfg config, args []string) error {
	const usage = "h3: usage: petarawan h3 recompute [--if-stale] [--max-res 5-9]"
	if len(args) == 0 || args[0] != "recompute" {
		return fmt.Errorf(usage)
	}
	flags := flag.NewFlagSet("h3 recompute", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	ifStale := flags.Bool("if-stale", false, "")
	maxRes := flags.Int("max-res", geo.H3MaxRes, "")
	if err := flags.Parse(args[1:]); err != nil || flags.NArg() > 0 {
		return fmt.Errorf(usage)
	}
	if *maxRes < geo.H3MinRes || *maxRes > geo.H3MaxRes {
		return fmt.Errorf("h3: --max-res %d: resolutions are %d-%d", *maxRes, geo.H3MinRes, geo.H3MaxRes)
	}
	store, _, err := cfg.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	if *ifStale {
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
	report, err := store.RecomputeH3(ctx, cliActor(), *maxRes, func(step string) {
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
