package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/petarawan/petarawan/api"
)

// shutdownGrace bounds how long in-flight requests may run on after SIGTERM.
const shutdownGrace = 15 * time.Second

func serve(ctx context.Context, cfg config) error {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if !cfg.logJSON {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	metrics := api.NewMetrics()
	store, err := cfg.openServing(ctx, metrics.ObserveJob)
	if err != nil {
		return err
	}
	defer store.Close()
	// The scoring worker executes the runs that model changes queue, until the server stops.
	workerCtx, stopWorker := context.WithCancel(ctx)
	workerDone := make(chan struct{})
	go func() {
		defer close(workerDone)
		store.ScoringWorker(workerCtx, 2*time.Second, func(err error) { log.Error("scoring run failed", "err", err) })
	}()
	defer func() { stopWorker(); <-workerDone }()
	srv := &http.Server{
		Addr:              cfg.addr,
		Handler:           api.New(store, log, api.Options{RequireReadToken: cfg.requireReadToken, TileCacheBytes: cfg.tileCacheMB << 20, Metrics: metrics, RateLimits: cfg.rateLimits}),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	failed := make(chan error, 1)
	go func() {
		log.Info("serving", "addr", cfg.addr)
		failed <- srv.ListenAndServe()
	}()
	select {
	case err := <-failed:
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
