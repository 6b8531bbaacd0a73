// Package api is petarawan's HTTP interface: thin Echo handlers for OGC API -
// Features over the admin units and their risk scores.
package api

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/petarawan/petarawan/data"
)

// Server holds the API's dependencies.
type Server struct {
	store   *data.Store
	log     *slog.Logger
	opt     Options
	metrics *Metrics
	limits  limits
}

// Options configure the API.
type Options struct {
	// RequireReadToken makes every request need a token (any role); by default reads are public.
	RequireReadToken bool
	// TileCacheBytes bounds the memory of the vector tile cache; 0 turns it off.
	TileCacheBytes int64
	// Metrics are the server's Prometheus metrics (nil: metrics of its own).
	Metrics *Metrics
	// RateLimits bound writes and heavy reads per token and client address (zero: none).
	RateLimits RateLimits
}

// New builds the Echo application serving the API and its HTML pages.
func New(store *data.Store, log *slog.Logger, opt Options) *echo.Echo {
	s := &Server{store: store, log: log, opt: opt, metrics: opt.Metrics, limits: newLimits(opt.RateLimits)}
	if s.metrics == nil {
		s.metrics = NewMetrics()
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	// The peer's own address: X-Forwarded-For is the client's to write, and
	// would let it pick its own rate limit bucket.
	e.IPExtractor = echo.ExtractIPDirect()
	e.HTTPErrorHandler = handleError(log)
	e.Use(middleware.Recover())
	e.Use(middleware.RequestID())
	e.Use(s.observe)
	e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
		AllowOrigins: []string{"*"},
		AllowMethods: []string{http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPost, http.MethodPut, http.MethodDelete},
		AllowHeaders: []string{echo.HeaderAuthorization, echo.HeaderContentType, "If-None-Match"},
	}))
	// Level 1: GeoJSON still shrinks ~5x, at a fraction of the default level's CPU.
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{Level: 1, MinLength: 1024, Skipper: isTileRoute}))
	// Batches of observations or incidents fit well below this.
	e.Use(middleware.BodyLimit("8M"))
	e.Use(s.authenticate)
	e.Use(s.rateLimit)
	e.Use(s.confineReads)

	s.opsRoutes(e)
	e.GET("/", s.landing)
	e.GET("/conformance", s.conformance)
	e.GET("/api", s.openAPI)
	e.GET("/collections", s.collections)
	e.GET("/collections/:collectionId", s.collection)
	e.GET("/collections/:collectionId/items", s.items)
	e.GET("/collections/:collectionId/items/:featureId", s.item)
	s.riskRoutes(e)
	s.incidentRoutes(e)
	s.adminRoutes(e)
	s.tileRoutes(e)
	s.h3Routes(e)
	s.searchRoutes(e)
	s.hotspotRoutes(e)
	s.mapRoutes(e)
	s.planRoutes(e)
	return e
}

// writeJSON writes v as JSON without escaping &, < and > (they appear in links).
func writeJSON(c echo.Context, status int, contentType string, v any) error {
	c.Response().Header().Set(echo.HeaderContentType, contentType)
	c.Response().WriteHeader(status)
	enc := json.NewEncoder(c.Response())
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
