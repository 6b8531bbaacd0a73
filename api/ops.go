package api

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/petarawan/petarawan/data"
)

// Operations: /healthz (the process answers), /readyz (the database answers
// and its schema is this build's), /metrics (Prometheus), a request id on
// every answer and a structured log line per request.

// Metrics are petarawan's Prometheus metrics, on a registry of their own.
type Metrics struct {
	registry  *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	jobs      *prometheus.HistogramVec
	tileHits  prometheus.Counter
	tileMiss  prometheus.Counter
	tileBytes prometheus.GaugeFunc
}

// NewMetrics makes the metrics; pass ObserveJob to data.Options and the
// metrics to Options, so that one registry holds everything.
func NewMetrics() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "petarawan_http_requests_total", Help: "HTTP requests answered, by route template, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "petarawan_http_request_duration_seconds", Help: "Time to answer an HTTP request, by route template and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		jobs: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "petarawan_job_duration_seconds", Help: "Time a job took: scoring_full, scoring_write (a scoring run with its H3 cells), h3_recompute.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
		}, []string{"job"}),
		tileHits: prometheus.NewCounter(prometheus.CounterOpts{Name: "petarawan_tile_cache_hits_total", Help: "Tiles served from the cache."}),
		tileMiss: prometheus.NewCounter(prometheus.CounterOpts{Name: "petarawan_tile_cache_misses_total", Help: "Tiles built by PostGIS."}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.jobs, m.tileHits, m.tileMiss,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveJob records how long a job took (data.Options.ObserveJob).
func (m *Metrics) ObserveJob(job string, took time.Duration) {
	m.jobs.WithLabelValues(job).Observe(took.Seconds())
}

// register adds what only a server knows: its store's pools and its tile cache.
func (m *Metrics) register(store *data.Store, cache *tileCache) {
	m.registry.MustRegister(poolCollector{store})
	m.tileBytes = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "petarawan_tile_cache_bytes", Help: "Memory held by the tile cache.",
	}, func() float64 { return float64(cache.bytes()) })
	m.registry.MustRegister(m.tileBytes)
}

// poolCollector reads the connection pools' statistics at each scrape.
type poolCollector struct{ store *data.Store }

var (
	poolConns = prometheus.NewDesc("petarawan_db_pool_connections",
		"Database connections of a pool (read: the API's reads; write: writes, imports, scoring) by state: in_use, idle, constructing, max.",
		[]string{"pool", "state"}, nil)
	poolAcquires = prometheus.NewDesc("petarawan_db_pool_acquires_total",
		"Connections taken from a pool; waited: those that had to wait for one; canceled: those given up waiting.",
		[]string{"pool", "kind"}, nil)
	poolWait = prometheus.NewDesc("petarawan_db_pool_wait_seconds_total",
		"Time spent waiting for a connection of a pool.", []string{"pool"}, nil)
)

func (p poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- poolConns
	ch <- poolAcquires
	ch <- poolWait
}

func (p poolCollector) Collect(ch chan<- prometheus.Metric) {
	for name, st := range p.store.PoolStats() {
		for state, n := range map[string]int32{"in_use": st.AcquiredConns(), "idle": st.IdleConns(),
			"constructing": st.ConstructingConns(), "max": st.MaxConns()} {
			ch <- prometheus.MustNewConstMetric(poolConns, prometheus.GaugeValue, float64(n), name, state)
		}
		for kind, n := range map[string]int64{"all": st.AcquireCount(), "waited": st.EmptyAcquireCount(), "canceled": st.CanceledAcquireCount()} {
			ch <- prometheus.MustNewConstMetric(poolAcquires, prometheus.CounterValue, float64(n), name, kind)
		}
		ch <- prometheus.MustNewConstMetric(poolWait, prometheus.CounterValue, st.EmptyAcquireWaitTime().Seconds(), name)
	}
}

// opsPaths answer without a token even when reads need one: probes and
// scrapers carry none, and nothing there is secret.
var opsPaths = []string{"/healthz", "/readyz", "/metrics"}

// Like every route, they refuse query parameters they do not read, and they
// read none (Prometheus scrapes with none unless configured to).
func (s *Server) opsRoutes(e *echo.Echo) {
	e.GET("/healthz", func(c echo.Context) error {
		if err := onlyParams(c); err != nil {
			return err
		}
		return writeJSON(c, http.StatusOK, MediaJSON, map[string]string{"status": "ok"})
	})
	e.GET("/readyz", s.ready)
	// The gzip middleware compresses it, as every answer.
	metrics := echo.WrapHandler(promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{DisableCompression: true}))
	e.GET("/metrics", func(c echo.Context) error {
		if err := onlyParams(c); err != nil {
			return err
		}
		return metrics(c)
	})
}

// ready answers 200 when the database answers and its schema is the one this
// build migrates to, else 503 saying which is wrong.
func (s *Server) ready(c echo.Context) error {
	if err := onlyParams(c); err != nil {
		return err
	}
	schema, err := s.store.CheckReady(c.Request().Context())
	switch {
	case err != nil:
		s.log.Warn("not ready", "err", err, "request_id", requestID(c))
		return unavailable("the database does not answer")
	case schema.Current != schema.Latest:
		return unavailable("the database schema is at migration " + strconv.FormatInt(schema.Current, 10) +
			", this build needs " + strconv.FormatInt(schema.Latest, 10) + ": run petarawan migrate (or restart petarawan serve)")
	}
	return writeJSON(c, http.StatusOK, MediaJSON, map[string]any{"status": "ready", "schema": schema})
}

// requestID is the id of the request, as the X-Request-Id header of the answer says.
func requestID(c echo.Context) string { return c.Response().Header().Get(echo.HeaderXRequestID) }

// observe counts and times every request and logs it, with its request id.
// A handler's error is turned into its problem answer here, so that the
// status counted and logged is the one sent.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		took := time.Since(start)
		status := strconv.Itoa(c.Response().Status)
		if !c.Response().Committed && c.Request().Context().Err() != nil {
			status = "499" // the client gave up before an answer (nginx's code for it)
		}
		route := c.Path()
		if route == "" || c.Response().Status == http.StatusNotFound && route == "/*" {
			route = "unmatched" // the request's own path would make a label per URL
		}
		s.metrics.requests.WithLabelValues(route, c.Request().Method, status).Inc()
		s.metrics.latency.WithLabelValues(route, c.Request().Method).Observe(took.Seconds())
		s.log.LogAttrs(c.Request().Context(), slog.LevelInfo, "request",
			slog.String("request_id", requestID(c)), slog.String("method", c.Request().Method),
			slog.String("route", route), slog.String("uri", loggedURI(c)),
			slog.String("status", status), slog.Int64("bytes", c.Response().Size),
			slog.Float64("ms", float64(took.Microseconds())/1000), slog.String("remote", c.RealIP()))
		return nil
	}
}

// maxLoggedURI bounds the URI a log line quotes: a query may be megabytes long.
const maxLoggedURI = 2048

// loggedURI is the request's URI as the log shows it, cut at maxLoggedURI bytes.
func loggedURI(c echo.Context) string {
	uri := c.Request().RequestURI
	if len(uri) > maxLoggedURI {
		return uri[:maxLoggedURI] + "... (" + strconv.Itoa(len(uri)) + " bytes)"
	}
	return uri
}
