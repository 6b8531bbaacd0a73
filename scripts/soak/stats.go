package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// outcome is what became of one request.
type outcome struct {
	route   string
	status  int           // 0 when no answer came
	failure string        // why there was no answer, or the start of a 4xx or 5xx body
	aborted bool          // the client hung up mid-response, as planned
	latency time.Duration // until the whole body was read
}

// routeStats counts the outcomes of one route.
type routeStats struct {
	requests, ok, clientErrors, serverErrors, noAnswer, aborted int
	latencies                                                   []time.Duration
}

// addUp adds the counts and latencies of o to s.
func (s *routeStats) addUp(o *routeStats) {
	s.requests += o.requests
	s.ok += o.ok
	s.clientErrors += o.clientErrors
	s.serverErrors += o.serverErrors
	s.noAnswer += o.noAnswer
	s.aborted += o.aborted
	s.latencies = append(s.latencies, o.latencies...)
}

// recorder gathers outcomes from every client: per route for the whole run,
// and the latencies since the last periodic row.
type recorder struct {
	mu       sync.Mutex
	routes   map[string]*routeStats
	interval []time.Duration
	examples map[string]string // route and status: the first failure or 4xx, to find its cause
}

func newRecorder() *recorder {
	return &recorder{routes: map[string]*routeStats{}, examples: map[string]string{}}
}

func (rec *recorder) add(o outcome) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	s := rec.routes[o.route]
	if s == nil {
		s = &routeStats{}
		rec.routes[o.route] = s
	}
	s.requests++
	switch {
	case o.status == 0:
		s.noAnswer++
	case o.status >= 500:
		s.serverErrors++
	case o.status >= 400:
		s.clientErrors++
	default:
		s.ok++
	}
	if key := fmt.Sprintf("%s: %d", o.route, o.status); o.failure != "" && rec.examples[key] == "" {
		rec.examples[key] = strings.TrimSpace(o.failure)
	}
	if o.aborted {
		s.aborted++
	}
	if o.aborted || o.status/100 != 2 {
		return // latencies are of whole 2xx answers
	}
	s.latencies = append(s.latencies, o.latency)
	rec.interval = append(rec.interval, o.latency)
}

// takeInterval returns the latencies since the last call and starts anew.
func (rec *recorder) takeInterval() []time.Duration {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	d := rec.interval
	rec.interval = nil
	return d
}

// totals sums every route: requests, 5xx and requests without an answer.
func (rec *recorder) totals() (requests, serverErrors, noAnswer int) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, s := range rec.routes {
		requests += s.requests
		serverErrors += s.serverErrors
		noAnswer += s.noAnswer
	}
	return requests, serverErrors, noAnswer
}

// percentile is the q-th percentile (0-100) of latencies in milliseconds, NaN of none.
func percentile(latencies []time.Duration, q float64) float64 {
	if len(latencies) == 0 {
		return math.NaN()
	}
	sorted := slices.Clone(latencies)
	slices.Sort(sorted)
	i := int(math.Ceil(q/100*float64(len(sorted)))) - 1
	return float64(sorted[max(i, 0)].Microseconds()) / 1000
}

// sample is the server's state at one moment.
type sample struct {
	rssBytes   int64
	heapBytes  int64 // Go heap spans in use, live data and garbage not yet swept: tells a leak from memory the runtime keeps
	cacheBytes int64 // held by the tile cache, which fills (up to its bound) as new tiles are asked for
	goroutines int
	poolInUse  int // database connections in use, over both pools
}

// sampler reads a sample: heap, goroutines and pool connections from the
// server's /metrics, resident memory from /proc/<pid>/status (VmRSS) when the server's
// pid is known, else from /metrics (process_resident_memory_bytes).
type sampler struct {
	client     *http.Client
	metricsURL string
	pid        int
}

func (s sampler) take(ctx context.Context) (sample, error) {
	var out sample
	goroutines := false
	if err := fetch(ctx, s.client, s.metricsURL, func(body io.Reader) error {
		lines := bufio.NewScanner(body)
		for lines.Scan() {
			name, text, _ := strings.Cut(lines.Text(), " ")
			inUse := strings.HasPrefix(name, "petarawan_db_pool_connections{") && strings.Contains(name, `state="in_use"`)
			if name != "go_goroutines" && name != "process_resident_memory_bytes" && name != "go_memstats_heap_inuse_bytes" &&
				name != "petarawan_tile_cache_bytes" && !inUse {
				continue
			}
			value, err := strconv.ParseFloat(text, 64)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			switch {
			case inUse:
				out.poolInUse += int(value)
			case name == "go_goroutines":
				out.goroutines, goroutines = int(value), true
			case name == "go_memstats_heap_inuse_bytes":
				out.heapBytes = int64(value)
			case name == "petarawan_tile_cache_bytes":
				out.cacheBytes = int64(value)
			default:
				out.rssBytes = int64(value)
			}
		}
		return lines.Err()
	}); err != nil {
		return sample{}, err
	}
	if !goroutines {
		return sample{}, fmt.Errorf("%s has no go_goroutines", s.metricsURL)
	}
	if s.pid > 0 {
		rss, err := vmRSS(s.pid)
		if err != nil {
			return sample{}, err
		}
		out.rssBytes = rss
	}
	return out, nil
}

// Quiet samples wait settle for the server to end the goroutines of the
// connections just closed, then take the lowest of quietReadings readings a
// second apart, so that passing work (the scoring worker's poll, a pool
// connection being made) does not count as growth, while a leak does.
const (
	settle        = 2 * time.Second
	quietReadings = 3
)

// quiet is the sample of a server without load.
func (s sampler) quiet(ctx context.Context) (sample, error) {
	time.Sleep(settle)
	var low sample
	for i := range quietReadings {
		if i > 0 {
			time.Sleep(time.Second)
		}
		now, err := s.take(ctx)
		if err != nil {
			return sample{}, err
		}
		if i == 0 {
			low = now
		}
		low = sample{rssBytes: min(low.rssBytes, now.rssBytes), heapBytes: min(low.heapBytes, now.heapBytes), cacheBytes: now.cacheBytes,
			goroutines: min(low.goroutines, now.goroutines), poolInUse: min(low.poolInUse, now.poolInUse)}
	}
	return low, nil
}

// vmRSS reads the resident set size of process pid from /proc/<pid>/status.
func vmRSS(pid int) (int64, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb int64
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kb); err != nil {
				return 0, fmt.Errorf("/proc/%d/status: VmRSS %q: %w", pid, rest, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("/proc/%d/status has no VmRSS", pid)
}
