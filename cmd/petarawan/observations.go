package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/geo"
)

// cliActor is who the command line writes as in the audit log: the OS user, with every right.
func cliActor() data.Actor {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return data.Actor{Name: "cli:" + name, Role: data.Admin}
}

// importObservations records the observations of a CSV file, all or nothing.
func importObservations(ctx context.Context, cfg config, args []string) error {
	dryRun := len(args) > 0 && args[0] == "--dry-run"
	if dryRun {
		args = args[1:]
	}
	if len(args) != 1 {
		return fmt.Errorf("import observations: name one CSV file (columns: %v)", geo.ObservationColumns)
	}
	path := args[0]
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	inputs, parseProblems, err := geo.ReadObservationsCSV(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	store, _, err := cfg.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	start := time.Now()
	report, err := store.AddObservations(ctx, cliActor(), data.ObservationBatch{Inputs: inputs, ParseProblems: parseProblems, DryRun: dryRun})
	var invalid *data.InvalidInput
	if errors.As(err, &invalid) {
		var b strings.Builder
		fmt.Fprintf(&b, "%s: %d problems; nothing imported", path, len(invalid.Problems))
		for _, p := range invalid.Problems {
			fmt.Fprintf(&b, "\n  %s: %s", path, p)
		}
		return errors.New(b.String())
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	changed := 0
	for _, u := range report.Rescored {
		if u.Before == nil || u.After == nil || u.Before.Category != u.After.Category {
			changed++
			fmt.Printf("  %s %s %s: %s -> %s\n", u.UnitCode, u.Election, u.Phase, summary(u.Before), summary(u.After))
		}
	}
	verb := "recorded"
	if dryRun {
		verb = "dry run, nothing written: would record"
	}
	fmt.Printf("%s %d observations from %s; %d desa rescored, %d changed category (%s)\n",
		verb, len(report.Observations), path, len(report.Rescored), changed, time.Since(start).Round(time.Millisecond))
	return nil
}

func summary(s *data.ScoreSummary) string {
	if s == nil {
		return "no score"
	}
	return fmt.Sprintf("%.2f %s", s.Score, s.Category)
}

// scoreAll rescores every phase of every election from the stored inputs.
func scoreAll(ctx context.Context, cfg config, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("score: unexpected arguments %v", args)
	}
	store, _, err := cfg.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	start := time.Now()
	runs, err := store.ScoreAll(ctx, cliActor())
	if err != nil {
		return err
	}
	for _, r := range runs {
		fmt.Printf("run %d: %s %s, %d units scored in %s\n", r.ID, r.Election, r.Phase, *r.UnitsScored, r.FinishedAt.Sub(*r.StartedAt).Round(time.Millisecond))
	}
	fmt.Printf("scored %d phases in %s\n", len(runs), time.Since(start).Round(time.Millisecond))
	return nil
}
