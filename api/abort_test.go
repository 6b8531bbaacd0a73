package api_test

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/data/datatest"
)

// The peers lose their pool after a few aborted requests (FIELD-NOTES.md):
// here 200 requests are cut off mid-response under load, and the service
// must answer the next 100 at once.
func TestAbortedRequestsLeaveTheServiceHealthy(t *testing.T) {
	srv := newServer(t, data.Options{StatementTimeout: 10 * time.Second, MaxConns: 8})
	started := postmasterStart(t)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	rng := rand.New(rand.NewPCG(1, 2))
	delays := make([]time.Duration, 200)
	for i := range delays {
		delays[i] = time.Duration(rng.IntN(40)) * time.Millisecond
	}

	var wg sync.WaitGroup
	work := make(chan int)
	for range 20 {
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
	for i := range 200 {
		work <- i
	}
	close(work)
	wg.Wait()

	if restarted := postmasterStart(t); restarted != started {
		// PostgreSQL 15 / PostGIS 3.3 on Debian 12 has been seen to abort a backend
		// ("malloc(): ... corrupted") while cancelling these queries, which restarts
		// every session. The service must come back all the same.
		t.Logf("PostgreSQL restarted during the aborts (a backend crashed); checking that the service recovers")
	}

	// Every aborted query must end in the database too, not run on.
	conn := datatest.Conn(t, datatest.Banten(t))
	deadline := time.Now().Add(10 * time.Second)
	for {
		var running int
		if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE application_name = 'petarawan' AND state = 'active' AND datname = current_database()`).Scan(&running); err != nil {
			t.Fatal(err)
		}
		if running == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d queries still running 10 s after their clients hung up", running)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// The next 100 requests: all answered, none waiting on a lost connection.
	errs := make(chan error, 100)
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/collections/desa/items?limit=100", nil)
				res, err := http.DefaultClient.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != http.StatusOK {
						err = io.ErrUnexpectedEOF
					}
				}
				cancel()
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

// postmasterStart is when the test cluster last (re)started.
func postmasterStart(t *testing.T) time.Time {
	t.Helper()
	conn := datatest.Conn(t, datatest.Banten(t))
	var at time.Time
	if err := conn.QueryRow(context.Background(), `SELECT pg_postmaster_start_time()`).Scan(&at); err != nil {
		t.Fatal(err)
	}
	return at
}
