package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/geo"
)

// tileBench is the tile part of a load run: tiles over the places where desa
// are, at zooms minZoom to maxZoom, each of the layer a map shows at its zoom
// (the finest level whose tiles start at or before it), from PostGIS through
// the data package alone, from a server without a tile cache (cold), and
// repeated from the server with its cache (warm).
type tileBench struct {
	store               *data.Store
	election, phase     string
	minZoom, maxZoom    int
	duration            time.Duration
	concurrency         int
	warmURL, coldURL    string
	client              *http.Client // without compression: bytes as sent
	requests            []data.TileRequest
	perZoomSQL, perCold map[int]*zoomStats
}

// tileSamples is how many places tiles are drawn around; warmTiles how many distinct tiles the warm runs repeat.
const (
	tileSamples = 2000
	warmTiles   = 256
)

func (b *tileBench) request(i int) data.TileRequest {
	return b.requests[(i*7919)%len(b.requests)]
}

func (b *tileBench) path(r data.TileRequest) string {
	return fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt?election=%s&phase=%s", r.Layer(), r.Tile.Z, r.Tile.X, r.Tile.Y, b.election, b.phase)
}

// zoomStats gathers the tiles of one zoom: their latencies and sizes.
type zoomStats struct {
	mu        sync.Mutex
	layer     string
	latencies []time.Duration
	bytes     []int64
}

func (z *zoomStats) add(d time.Duration, n int64) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.latencies = append(z.latencies, d)
	z.bytes = append(z.bytes, n)
}

// perZoom wraps op to record each request's latency and size under its zoom.
func (b *tileBench) perZoom(stats map[int]*zoomStats, op func(r data.TileRequest) (int64, error)) func(i int) (int64, error) {
	return func(i int) (int64, error) {
		r := b.request(i)
		t0 := time.Now()
		n, err := op(r)
		if err == nil {
			stats[r.Tile.Z].add(time.Since(t0), n)
		}
		return n, err
	}
}

func (b *tileBench) run(ctx context.Context) error {
	points, err := b.store.PointsOnUnits(ctx, geo.Desa, tileSamples)
	if err != nil {
		return err
	}
	b.perZoomSQL, b.perCold = map[int]*zoomStats{}, map[int]*zoomStats{}
	for i, p := range points {
		z := b.minZoom + i%(b.maxZoom-b.minZoom+1)
		level := geo.Provinsi
		for _, l := range geo.Levels {
			if geo.MinZoom(l) <= z {
				level = l
			}
		}
		b.requests = append(b.requests, data.TileRequest{Tile: geo.TileAt(p.Lon(), p.Lat(), z), Level: level, Election: b.election, Phase: b.phase})
		if b.perZoomSQL[z] == nil {
			b.perZoomSQL[z], b.perCold[z] = &zoomStats{layer: level.String()}, &zoomStats{layer: level.String()}
		}
	}
	fmt.Printf("\ntiles z%d-z%d around %d desa (the layer a map shows at each zoom), %s %s:\n", b.minZoom, b.maxZoom, len(points), b.election, b.phase)
	fmt.Printf("%-16s %-8s %9s %9s %9s %9s %11s\n", "request", "via", "req/s", "p50 ms", "p95 ms", "p99 ms", "MB/s")
	viaSQL := measure(b.duration, b.concurrency, b.perZoom(b.perZoomSQL, func(r data.TileRequest) (int64, error) {
		_, mvt, err := b.store.Tile(ctx, r)
		return int64(len(mvt)), err
	}))
	viaSQL.print("tile", "PostGIS")
	if b.coldURL != "" {
		cold := measure(b.duration, b.concurrency, b.perZoom(b.perCold, func(r data.TileRequest) (int64, error) {
			return fetch(b.client, b.coldURL+b.path(r), "")
		}))
		cold.print("tile cold", "HTTP")
		fmt.Printf("%-16s %-8s %+8.0f%% (p50), %+.0f%% (p95) over PostGIS\n", "", "added", 100*(cold.p(50)/viaSQL.p(50)-1), 100*(cold.p(95)/viaSQL.p(95)-1))
	}
	// Warm: a fixed set of tiles, each fetched once before the clock starts.
	for i := range warmTiles {
		if _, err := fetch(b.client, b.warmURL+b.path(b.request(i)), ""); err != nil {
			return err
		}
	}
	warm := func(acceptEncoding string) result {
		return measure(b.duration, b.concurrency, func(i int) (int64, error) {
			return fetch(b.client, b.warmURL+b.path(b.request(i%warmTiles)), acceptEncoding)
		})
	}
	warm("identity").print("tile warm", "HTTP")
	warm("gzip").print("tile warm", "HTTP gz")
	b.printZooms()
	return nil
}

// printZooms reports, per zoom, the layer, the tiles' sizes and the latencies of PostGIS and of the cold server.
func (b *tileBench) printZooms() {
	fmt.Printf("%-6s %-10s %7s %9s %9s %9s %11s %11s %11s\n", "zoom", "layer", "tiles", "mean KB", "p95 KB", "max KB", "PostGIS p50", "PostGIS p95", "cold p95")
	for z := b.minZoom; z <= b.maxZoom; z++ {
		s, cold := b.perZoomSQL[z], b.perCold[z]
		if s == nil || len(s.bytes) == 0 {
			continue
		}
		sizes := slices.Clone(s.bytes)
		slices.Sort(sizes)
		var total int64
		for _, n := range sizes {
			total += n
		}
		kb := func(n int64) float64 { return float64(n) / 1024 }
		fmt.Printf("z%-5d %-10s %7d %9.1f %9.1f %9.1f %11.1f %11.1f %11s\n", z, s.layer, len(sizes), kb(total)/float64(len(sizes)),
			kb(sizes[(len(sizes)-1)*95/100]), kb(sizes[len(sizes)-1]), percentile(s.latencies, 50), percentile(s.latencies, 95), coldP95(cold))
	}
}

func coldP95(s *zoomStats) string {
	if s == nil || len(s.latencies) == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", percentile(s.latencies, 95))
}

// percentile is the q-th percentile of latencies in milliseconds.
func percentile(latencies []time.Duration, q float64) float64 {
	sorted := slices.Clone(latencies)
	slices.Sort(sorted)
	return result{latencies: sorted}.p(q)
}
