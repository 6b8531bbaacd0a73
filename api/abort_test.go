package api_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/data/datatest"
)

// The peers lose their pool after a few aborted requests (FIELD-NOTES.md):
// here 1,000 requests are cut off mid-response by 20 clients at once.
// Afterwards no query runs on in the database, the pool is idle, and the
// same request is answered as fast as before. It runs on a server of its
// own (datatest.NewCluster), so that the backend crash below, when it
// happens, restarts no other test's sessions.
func TestAbortedRequestsLeaveTheServiceHealthy(t *testing.T) {
	cluster := datatest.NewCluster(t)
	store := datatest.Open(t, cluster.URL, data.Options{StatementTimeout: 10 * time.Second, MaxConns: 8})
	srv := startServer(t, apiHandler(store))
	const probe = "/collections/desa/items?limit=100"
	before := probeTimes(t, srv.URL+probe, 30)

	const aborts, clients = 1000, 20
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	rng := rand.New(rand.NewPCG(1, 2))
	delays := make([]time.Duration, aborts)
	for i := range delays {
		delays[i] = time.Duration(rng.IntN(40)) * time.Millisecond
	}
	start := time.Now()
	var wg sync.WaitGroup
	work := make(chan int)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				ctx, cancel := context.WithCancel(context.Background())
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/collections/desa/items?limit=10000", nil)
				if i%2 == 0 {
					// Give up while the server is still querying.
					time.AfterFunc(delays[i], cancel)
				}
				res, err := client.Do(req)
				if err == nil {
					// Read a little of the 5 MB body, then hang up.
					io.CopyN(io.Discard, res.Body, 16<<10)
					res.Body.Close()
				}
				cancel()
			}
		}()
	}
	for i := range aborts {
		work <- i
	}
	close(work)
	wg.Wait()
	t.Logf("%d requests aborted in %s", aborts, time.Since(start).Round(time.Millisecond))

	if crashes := backendCrashes(t, cluster.Log); len(crashes) > 0 {
		// PostgreSQL 15.18 / PostGIS 3.3.2 on Debian 12 has been seen to
		// abort a backend ("malloc(): ... corrupted") while such queries are
		// cancelled, which restarts every session (README, Known problems).
		// The service must come back all the same.
		t.Logf("a backend crashed during the aborts, PostgreSQL restarted its sessions:\n%s", strings.Join(crashes, "\n"))
	}

	// Every aborted query ends in the database too, and the pool is idle.
	waitForSessions(t, cluster.URL, `state <> 'idle'`, 0)
	for deadline := time.Now().Add(5 * time.Second); store.PoolStats()["read"].AcquiredConns() > 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections of the pool still in use 5 s after the aborts", store.PoolStats()["read"].AcquiredConns())
		}
	}

	// The same request as fast as before, and 100 at once all answered.
	after := probeTimes(t, srv.URL+probe, 30)
	t.Logf("%s: median %s before the aborts, %s after (ranges %s-%s, %s-%s)", probe,
		median(before), median(after), before[0], before[len(before)-1], after[0], after[len(after)-1])
	if median(after) > 3*median(before)+10*time.Millisecond {
		t.Errorf("%s: median %s after the aborts, %s before", probe, median(after), median(before))
	}
	errs := make(chan error, 100)
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				res, err := fetch(&http.Client{Timeout: 5 * time.Second}, srv.URL+probe)
				if err == nil && res.status != http.StatusOK {
					err = fmt.Errorf("%d %s", res.status, res.body)
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a request after the aborts failed: %v", err)
	}
}

// probeTimes requests url n times in turn and returns how long each took, sorted.
func probeTimes(t *testing.T, url string, n int) []time.Duration {
	t.Helper()
	took := make([]time.Duration, n)
	for i := range took {
		start := time.Now()
		if res := get(t, url); res.status != http.StatusOK {
			t.Fatalf("%s: %d %s", url, res.status, res.body)
		}
		took[i] = time.Since(start)
	}
	slices.Sort(took)
	return took
}

// backendCrashes are the lines of a server log that tell of a backend
// killed by a signal, with the C library's message before each.
func backendCrashes(t *testing.T, log string) []string {
	t.Helper()
	b, err := os.ReadFile(log)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var crashes []string
	lines := strings.Split(string(b), "\n")
	for i, line := range lines {
		if strings.Contains(line, "was terminated by signal") {
			for j := i - 1; j >= 0 && j > i-40; j-- {
				if strings.Contains(lines[j], "malloc") || strings.Contains(lines[j], "corrupted") || strings.Contains(lines[j], "free()") {
					crashes = append(crashes, lines[j])
					break
				}
			}
			crashes = append(crashes, line)
		}
	}
	return crashes
}
