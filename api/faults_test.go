package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/data/datatest"
)

// faultPaths read the database on every request (no cache in front).
var faultPaths = []string{
	"/collections/desa/items?limit=20",
	"/collections/desa/items/36.72.01.1001",
	"/search?q=serang",
	"/collections",
}

// PostgreSQL stopped under load, then started again: every request is
// answered quickly, with a 503 problem and Retry-After while the database is
// down, /readyz turns red, and full service is back within 5 s of the
// database, with the same server (no restart).
func TestFaultDatabaseStoppedUnderLoad(t *testing.T) {
	cluster := datatest.NewCluster(t)
	srv := startServer(t, apiHandler(datatest.Open(t, cluster.URL, data.Options{StatementTimeout: 10 * time.Second, MaxConns: 4})))
	load := startLoad(srv.URL, 8)

	time.Sleep(500 * time.Millisecond)
	stopping := load.since()
	cluster.Stop(t)
	down := load.since()
	time.Sleep(300 * time.Millisecond)
	ready := get(t, srv.URL+"/readyz")
	checkUnavailable(t, "/readyz with the database down", ready)
	time.Sleep(1500 * time.Millisecond)
	starting := load.since()
	cluster.Start(t)
	up := load.since()
	// /readyz green again.
	var green time.Duration
	for green == 0 {
		if res := get(t, srv.URL+"/readyz"); res.status == http.StatusOK {
			green = load.since() - up
		} else if load.since()-up > 10*time.Second {
			t.Fatalf("/readyz still %d 10 s after the database came back: %s", res.status, res.body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond)
	answers := load.stop()

	var phases [4]struct {
		n, ok, unavailable int
		took               []time.Duration
	}
	var lastFailure time.Duration // the latest start of a request that failed after the database came back
	var served []time.Duration    // the starts of the requests answered 200 after it came back
	for _, a := range answers {
		phase := 0 // 0 before the stop, 1 while stopping, 2 down, 3 after up
		switch {
		case a.end < stopping:
		case a.start < down:
			phase = 1
		case a.end < starting:
			phase = 2
		case a.start >= up:
			phase = 3
		default:
			continue // straddles the start: either answer is right
		}
		p := &phases[phase]
		p.n++
		p.took = append(p.took, a.end-a.start)
		if a.end-a.start > 2*time.Second {
			t.Errorf("phase %d: %s took %s", phase, a.path, a.end-a.start)
		}
		switch {
		case a.err == nil && a.res.status == http.StatusOK:
			p.ok++
			if phase == 3 {
				served = append(served, a.start-up)
			}
			if phase == 2 {
				t.Errorf("%s answered 200 while the database was down", a.path)
			}
		case a.err == nil && a.res.status == http.StatusServiceUnavailable:
			p.unavailable++
			checkUnavailable(t, a.path, a.res)
			if phase == 0 {
				t.Errorf("%s before the stop: %d %s", a.path, a.res.status, a.res.body)
			}
			if phase == 3 {
				lastFailure = max(lastFailure, a.start-up)
			}
		case a.err != nil && phase == 1:
			// A body being sent when the database went away is cut short:
			// its status was already sent.
			p.unavailable++
			t.Logf("%s, cut while the database stopped: %v", a.path, a.err)
		default:
			t.Errorf("phase %d: %s: %v %d %s", phase, a.path, a.err, a.res.status, a.res.body)
		}
	}
	for i, name := range []string{"before the stop", "while stopping", "database down", "after the start"} {
		p := phases[i]
		if p.n == 0 {
			t.Errorf("%s: no answers: the load did not run", name)
			continue
		}
		slices.Sort(p.took)
		t.Logf("%s: %d answers (%d × 200, %d unavailable), took median %s, max %s", name, p.n, p.ok, p.unavailable, median(p.took), p.took[len(p.took)-1])
	}
	// Full service: /readyz green and every request answered from then on.
	recovered := max(green, lastFailure)
	after := 0
	for _, start := range served {
		if start > recovered {
			after++
		}
	}
	t.Logf("database down for %s; back up, /readyz was green after %s, the last failed request started after %s, %d answers since",
		starting-down, green, lastFailure, after)
	if phases[2].unavailable != phases[2].n {
		t.Errorf("database down: %d of %d answers were 503 problems", phases[2].unavailable, phases[2].n)
	}
	if recovered > 5*time.Second {
		t.Errorf("full service came back %s after the database, want within 5 s", recovered)
	}
	if after < 20 {
		t.Errorf("only %d answers after full service came back", after)
	}
}

// With every connection held by slow statements (waiting on a lock), other
// requests get a 503 problem within the acquire bound instead of queuing for
// good, and the held ones finish once the lock goes.
func TestFaultPoolExhaustedAnswers503Fast(t *testing.T) {
	dbURL := datatest.BantenCopy(t)
	store := datatest.Open(t, dbURL, data.Options{StatementTimeout: 30 * time.Second, MaxConns: 2})
	srv := startServer(t, apiHandler(store))
	const page = "/collections/desa/items?limit=5"
	if res := get(t, srv.URL+page); res.status != http.StatusOK { // and the elections are cached
		t.Fatalf("warm-up: %d %s", res.status, res.body)
	}
	lock := lockUnits(t, dbURL)

	held := make(chan error, 2)
	for range 2 {
		go func() {
			res, err := fetch(http.DefaultClient, srv.URL+page)
			if err == nil && res.status != http.StatusOK {
				err = fmt.Errorf("%d %s", res.status, res.body)
			}
			held <- err
		}()
	}
	waitForSessions(t, dbURL, `wait_event_type = 'Lock'`, 2)

	var wg sync.WaitGroup
	for _, path := range []string{page, page, page, "/search?q=serang", "/collections/desa/items/36.72.01.1001", "/collections"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			res, err := fetch(http.DefaultClient, srv.URL+path)
			took := time.Since(start)
			if err != nil {
				t.Error(err)
				return
			}
			t.Logf("%s with the pool held: %d after %s", path, res.status, took.Round(time.Millisecond))
			checkUnavailable(t, path, res)
			if !strings.Contains(string(res.body), "busy") {
				t.Errorf("%s: the problem does not say the connections are busy: %s", path, res.body)
			}
			if took > 3*time.Second {
				t.Errorf("%s: answered after %s, want within the 2 s acquire bound", path, took)
			}
		}()
	}
	wg.Wait()

	if err := lock.Rollback(t.Context()); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := <-held; err != nil {
			t.Errorf("a request that held a connection: %v", err)
		}
	}
	start := time.Now()
	if res := get(t, srv.URL+page); res.status != http.StatusOK || time.Since(start) > time.Second {
		t.Errorf("after the lock: %d in %s", res.status, time.Since(start))
	}
	if n := store.PoolStats()["read"].AcquiredConns(); n != 0 {
		t.Errorf("%d connections still in use at the end", n)
	}
}

// A statement over its timeout is a 503 problem, and its connection goes
// back to the pool idle and usable: no new session is needed after it.
func TestFaultStatementTimeoutReturnsTheConnection(t *testing.T) {
	dbURL := datatest.BantenCopy(t)
	store := datatest.Open(t, dbURL, data.Options{StatementTimeout: 500 * time.Millisecond, MaxConns: 2})
	srv := startServer(t, apiHandler(store))
	const page = "/collections/desa/items?limit=5"
	if res := get(t, srv.URL+page); res.status != http.StatusOK {
		t.Fatalf("warm-up: %d %s", res.status, res.body)
	}
	before := sessions(t, dbURL)

	lock := lockUnits(t, dbURL)
	start := time.Now()
	res := get(t, srv.URL+page)
	took := time.Since(start)
	checkUnavailable(t, "a query over the statement timeout", res)
	if !strings.Contains(string(res.body), "too long") {
		t.Errorf("the problem does not say the query took too long: %s", res.body)
	}
	t.Logf("a query over the 500 ms statement timeout: %d after %s", res.status, took.Round(time.Millisecond))
	if took < 500*time.Millisecond || took > 2*time.Second {
		t.Errorf("answered after %s, want just over the 500 ms statement timeout", took)
	}
	if err := lock.Rollback(t.Context()); err != nil {
		t.Fatal(err)
	}

	stat := store.PoolStats()["read"]
	if stat.AcquiredConns() != 0 || stat.IdleConns() != stat.TotalConns() {
		t.Errorf("after the timeout: %d connections in use, %d idle of %d", stat.AcquiredConns(), stat.IdleConns(), stat.TotalConns())
	}
	after := sessions(t, dbURL)
	t.Logf("the store's sessions before: %v, after the timeout: %v", before, after)
	if !slices.Equal(before, after) {
		t.Errorf("the store's sessions changed from %v to %v: the timed out connection was not kept", before, after)
	}
	if res := get(t, srv.URL+page); res.status != http.StatusOK {
		t.Errorf("the next request: %d %s", res.status, res.body)
	}
}

// checkUnavailable checks a 503 problem+json with a Retry-After in seconds.
func checkUnavailable(t *testing.T, what string, res response) {
	t.Helper()
	var p struct {
		Status int    `json:"status"`
		Title  string `json:"title"`
		Detail string `json:"detail"`
	}
	ct := res.header.Get("Content-Type")
	if res.status != http.StatusServiceUnavailable || ct != "application/problem+json" {
		t.Errorf("%s: %d %s %s, want a 503 problem+json", what, res.status, ct, res.body)
		return
	}
	if err := json.Unmarshal(res.body, &p); err != nil || p.Status != http.StatusServiceUnavailable || p.Title == "" || p.Detail == "" {
		t.Errorf("%s: problem %s (%v)", what, res.body, err)
	}
	if s, err := strconv.Atoi(res.header.Get("Retry-After")); err != nil || s <= 0 {
		t.Errorf("%s: Retry-After %q, want seconds", what, res.header.Get("Retry-After"))
	}
}

// lockUnits takes an exclusive lock on admin_unit until the returned
// transaction ends: every query over the units waits meanwhile.
func lockUnits(t *testing.T, dbURL string) interface{ Rollback(context.Context) error } {
	t.Helper()
	tx, err := datatest.Conn(t, dbURL).Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(t.Context(), `LOCK TABLE admin_unit IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	return tx
}

// waitForSessions waits until n of the store's sessions match the condition on pg_stat_activity.
func waitForSessions(t *testing.T, dbURL, cond string, n int) {
	t.Helper()
	conn := datatest.Conn(t, dbURL)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var got int
		if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM pg_stat_activity
			WHERE application_name = 'petarawan' AND datname = current_database() AND `+cond).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions where %s, want %d", got, cond, n)
		}
	}
}

// sessions lists the store's sessions on dbURL as "pid state".
func sessions(t *testing.T, dbURL string) []string {
	t.Helper()
	rows, err := datatest.Conn(t, dbURL).Query(t.Context(), `SELECT pid || ' ' || state FROM pg_stat_activity
		WHERE application_name = 'petarawan' AND datname = current_database() ORDER BY pid`)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// load sends faultPaths in turn from several clients until stopped,
// recording every answer with when it started and ended.
type load struct {
	t0      time.Time
	stopped chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	answers []loadAnswer
}

type loadAnswer struct {
	path       string
	start, end time.Duration // since the load began
	res        response
	err        error // the request failed or its body was cut
}

func startLoad(base string, clients int) *load {
	l := &load{t0: time.Now(), stopped: make(chan struct{})}
	client := &http.Client{Timeout: 10 * time.Second}
	for i := range clients {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for n := i; ; n++ {
				select {
				case <-l.stopped:
					return
				default:
				}
				a := loadAnswer{path: faultPaths[n%len(faultPaths)], start: l.since()}
				a.res, a.err = fetch(client, base+a.path)
				a.end = l.since()
				l.mu.Lock()
				l.answers = append(l.answers, a)
				l.mu.Unlock()
			}
		}()
	}
	return l
}

func (l *load) since() time.Duration { return time.Since(l.t0) }

// stop ends the load and returns its answers.
func (l *load) stop() []loadAnswer {
	close(l.stopped)
	l.wg.Wait()
	return l.answers
}

// fetch is get for other goroutines than the test's: it returns the error.
func fetch(client *http.Client, url string) (response, error) {
	res, err := client.Get(url)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, body}, err
}

// median of sorted durations.
func median(sorted []time.Duration) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[len(sorted)/2]
}
