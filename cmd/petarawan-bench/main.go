// Command petarawan-bench is the load run behind make bench: it sends items
// requests to a running petarawan and, beside them, runs the same feature
// queries against PostGIS through the data package alone, so the figures show
// what the HTTP server adds over the database's own time. HTTP runs once
// without compression (the server's own cost) and once with gzip, as GIS
// clients ask for it (MB/s counts uncompressed bytes). Vector tiles run the
// same way (tiles.go), cold against a server without a tile cache.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/geo"
)

// scenario is one kind of request, as an HTTP query and as the equivalent feature query.
type scenario struct {
	name  string
	pages func(i int) (query string, q data.FeatureQuery)
}

func main() {
	apiURL := flag.String("api", "http://127.0.0.1:18080", "petarawan's base URL")
	dbURL := flag.String("db", os.Getenv("DATABASE_URL"), "the database petarawan serves")
	duration := flag.Duration("duration", 10*time.Second, "length of each run")
	concurrency := flag.Int("concurrency", 4, "requests in flight")
	label := flag.String("label", "", "name of the data set, for the report")
	coldURL := flag.String("api-cold", "", "a petarawan serving the same database without a tile cache, for cold tiles (none: no cold run)")
	tileZooms := flag.String("tile-zooms", "8-14", "zooms of the tile run, from-to")
	parts := flag.String("parts", "items,tiles,writes", "which runs to make")
	flag.Parse()
	var minZoom, maxZoom int
	if _, err := fmt.Sscanf(*tileZooms, "%d-%d", &minZoom, &maxZoom); err != nil || minZoom < 0 || maxZoom > geo.MaxZoom || minZoom > maxZoom {
		fmt.Fprintf(os.Stderr, "petarawan-bench: -tile-zooms %q: want from-to within 0-%d\n", *tileZooms, geo.MaxZoom)
		os.Exit(2)
	}
	tiles := &tileBench{minZoom: minZoom, maxZoom: maxZoom, coldURL: *coldURL}
	if err := run(*apiURL, *dbURL, *duration, *concurrency, *label, strings.Split(*parts, ","), tiles); err != nil {
		fmt.Fprintln(os.Stderr, "petarawan-bench:", err)
		os.Exit(1)
	}
}

func run(apiURL, dbURL string, duration time.Duration, concurrency int, label string, parts []string, tiles *tileBench) error {
	ctx := context.Background()
	store, err := data.Open(ctx, dbURL, data.Options{StatementTimeout: time.Minute, MaxConns: int32(concurrency)})
	if err != nil {
		return err
	}
	defer store.Close()
	elections, err := store.Elections(ctx)
	if err != nil || len(elections) == 0 {
		return fmt.Errorf("no elections: %v", err)
	}
	election, phase := elections[0].Code, elections[0].Phases[len(elections[0].Phases)-1].Code
	extents, err := store.Extents(ctx)
	if err != nil {
		return err
	}
	desa := extents[geo.Desa]
	base := data.FeatureQuery{Level: geo.Desa, Election: election, Phase: phase}
	pageScenario := func(limit int) scenario {
		pages := int(desa.Count) / limit
		return scenario{fmt.Sprintf("items limit=%d", limit), func(i int) (string, data.FeatureQuery) {
			q := base
			q.Limit, q.Offset = limit, (i%pages)*limit
			return fmt.Sprintf("/collections/desa/items?limit=%d&offset=%d", q.Limit, q.Offset), q
		}}
	}
	// bbox: boxes of 0.1 x 0.1 degrees on a grid over the data's extent (about 40-50 Banten desa each).
	bboxScenario := scenario{"bbox 0.1 deg", func(i int) (string, data.FeatureQuery) {
		cols := int((desa.BBox.MaxLon - desa.BBox.MinLon) / 0.1)
		rows := int((desa.BBox.MaxLat - desa.BBox.MinLat) / 0.1)
		cell := (i * 7919) % (cols * rows)
		b := geo.BBox{MinLon: desa.BBox.MinLon + float64(cell%cols)*0.1, MinLat: desa.BBox.MinLat + float64(cell/cols)*0.1}
		b.MaxLon, b.MaxLat = b.MinLon+0.1, b.MinLat+0.1
		q := base
		q.BBox, q.Limit = &b, 10000
		return fmt.Sprintf("/collections/desa/items?limit=10000&bbox=%g,%g,%g,%g", b.MinLon, b.MinLat, b.MaxLon, b.MaxLat), q
	}}

	fmt.Printf("\n%s: %d desa, %d requests in flight, %s per run\n", label, desa.Count, concurrency, duration)
	plain := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency, DisableCompression: true}}
	gzipped := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency}}
	if slices.Contains(parts, "tiles") {
		tiles.store, tiles.election, tiles.phase, tiles.duration, tiles.concurrency = store, election, phase, duration, concurrency
		tiles.warmURL, tiles.client = apiURL, plain
		if err := tiles.run(ctx); err != nil {
			return err
		}
	}
	if slices.Contains(parts, "items") {
		fmt.Printf("%-16s %-8s %9s %9s %9s %9s %11s\n", "request", "via", "req/s", "p50 ms", "p95 ms", "p99 ms", "MB/s")
		for _, sc := range []scenario{pageScenario(100), pageScenario(500), bboxScenario} {
			viaSQL := measure(duration, concurrency, func(i int) (int64, error) {
				_, q := sc.pages(i)
				return queryFeatures(ctx, store, q)
			})
			viaHTTP := measure(duration, concurrency, func(i int) (int64, error) {
				path, _ := sc.pages(i)
				return fetch(plain, apiURL+path, "")
			})
			viaGzip := measure(duration, concurrency, func(i int) (int64, error) {
				path, _ := sc.pages(i)
				return fetch(gzipped, apiURL+path, "")
			})
			viaSQL.print(sc.name, "PostGIS")
			viaHTTP.print(sc.name, "HTTP")
			fmt.Printf("%-16s %-8s %+8.0f%% (p50), %+.0f%% (p95) over PostGIS\n", "", "added", 100*(viaHTTP.p(50)/viaSQL.p(50)-1), 100*(viaHTTP.p(95)/viaSQL.p(95)-1))
			viaGzip.print(sc.name, "HTTP gz")
		}
	}
	if !slices.Contains(parts, "writes") {
		return nil
	}
	return benchWrites(ctx, store, apiURL, duration, election, phase)
}

// benchWrites posts single observations, one at a time as an editor would,
// each to a desa drawn in turn from the whole set, and times the answer: the
// write, its audit entry and the rescoring of the desa and every unit above it.
func benchWrites(ctx context.Context, store *data.Store, apiURL string, duration time.Duration, election, phase string) error {
	bench := data.Actor{Name: "petarawan-bench", Role: data.Admin}
	token, secret, err := store.CreateToken(ctx, bench, data.TokenSpec{Name: fmt.Sprintf("bench-%d", time.Now().UnixNano()), Role: data.Editor})
	if err != nil {
		return err
	}
	defer store.RevokeToken(ctx, bench, token.Name)
	var codes []string
	for offset := 0; ; offset += 10000 {
		_, page, err := store.Features(ctx, data.FeatureQuery{Level: geo.Desa, Election: election, Phase: phase,
			Properties: []string{"code"}, Limit: 10000, Offset: offset})
		if err != nil {
			return err
		}
		n := 0
		for page.Next() {
			var f struct{ Properties struct{ Code string } }
			if err := json.Unmarshal(page.Feature(), &f); err != nil {
				return err
			}
			codes = append(codes, f.Properties.Code)
			n++
		}
		if err := page.Close(); err != nil || n < 10000 {
			break
		}
	}
	client := &http.Client{}
	writes := measure(duration, 1, func(i int) (int64, error) {
		body := fmt.Sprintf(`{"indicator":"riwayat_konflik_massa","unit_code":%q,"election":%q,"phase":%q,"value":%d,"source":"polres","observed_at":%q}`,
			codes[(i*7919)%len(codes)], election, phase, i%2, time.Now().Add(-time.Hour).Format(time.RFC3339))
		req, err := http.NewRequest(http.MethodPost, apiURL+"/observations", strings.NewReader(body))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+secret)
		res, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		n, err := io.Copy(io.Discard, res.Body)
		if err == nil && res.StatusCode != http.StatusCreated {
			err = fmt.Errorf("POST /observations: %s", res.Status)
		}
		return n, err
	})
	fmt.Printf("\nsingle observation writes, one client, each rescoring its desa and the units above (%s %s):\n", election, phase)
	writes.print("POST observation", "HTTP")
	return nil
}

// queryFeatures runs the count and page queries the API runs and reads every feature.
func queryFeatures(ctx context.Context, store *data.Store, q data.FeatureQuery) (int64, error) {
	_, rows, err := store.Features(ctx, q)
	if err != nil {
		return 0, err
	}
	var n int64
	for rows.Next() {
		n += int64(len(rows.Feature()))
	}
	return n, rows.Close()
}

// fetch GETs url and counts its body's bytes. acceptEncoding, when set, is
// sent as given and the bytes are counted as sent (a browser inflates gzip in
// its own process, not the server's); otherwise the client's transport decides.
func fetch(client *http.Client, url, acceptEncoding string) (int64, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	n, err := io.Copy(io.Discard, res.Body)
	if err == nil && res.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s", url, res.Status)
	}
	return n, err
}

type result struct {
	latencies []time.Duration
	bytes     int64
	errors    int
	elapsed   time.Duration
}

// measure runs op from concurrency workers for duration, after a short warm-up.
func measure(duration time.Duration, concurrency int, op func(i int) (int64, error)) result {
	for i := range concurrency {
		op(i)
	}
	var mu sync.Mutex
	var res result
	var wg sync.WaitGroup
	start := time.Now()
	next := 0
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Since(start) < duration {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				t0 := time.Now()
				n, err := op(i)
				d := time.Since(t0)
				mu.Lock()
				res.latencies = append(res.latencies, d)
				res.bytes += n
				if err != nil {
					res.errors++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	slices.Sort(res.latencies)
	return res
}

// p is the q-th percentile latency in milliseconds.
func (r result) p(q float64) float64 {
	if len(r.latencies) == 0 {
		return 0
	}
	i := int(float64(len(r.latencies)-1) * q / 100)
	return float64(r.latencies[i].Microseconds()) / 1000
}

func (r result) print(name, via string) {
	secs := r.elapsed.Seconds()
	fmt.Printf("%-16s %-8s %9.1f %9.1f %9.1f %9.1f %11.1f", name, via, float64(len(r.latencies))/secs, r.p(50), r.p(95), r.p(99), float64(r.bytes)/secs/1e6)
	if r.errors > 0 {
		fmt.Printf("  %d errors", r.errors)
	}
	fmt.Println()
}
