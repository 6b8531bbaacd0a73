package api

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"github.com/petarawan/petarawan/data"
)

// RateLimits bound how often one token, and one client address, may call
// the costly endpoints: per minute, with a burst of a tenth of that (at
// least 1). 0 leaves that kind unlimited.
type RateLimits struct {
	// Writes: observations, incidents and admin changes.
	Writes int
	// HeavyReads: /h3/{res}, /hotspots, /areas/{code}/summary, /plan/deployment.
	HeavyReads int
}

// limiter is a token bucket per key (a token's name, a client address).
type limiter struct {
	perMinute int
	mu        sync.Mutex
	buckets   map[string]*rate.Limiter
	swept     time.Time
}

func newLimiter(perMinute int) *limiter {
	return &limiter{perMinute: perMinute, buckets: map[string]*rate.Limiter{}, swept: time.Now()}
}

// wait is how long key must wait before its next call; 0 lets the call
// through and counts it.
func (l *limiter) wait(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	burst := max(1, l.perMinute/10)
	if now.Sub(l.swept) > time.Minute {
		// A full bucket remembers nothing: drop it, so that the map holds only
		// the keys of the last minute or so.
		for k, b := range l.buckets {
			if b.TokensAt(now) >= float64(burst) {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b := l.buckets[key]
	if b == nil {
		b = rate.NewLimiter(rate.Limit(float64(l.perMinute)/60), burst)
		l.buckets[key] = b
	}
	r := b.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d
	}
	return 0
}

// heavyReads are the route templates of RateLimits.HeavyReads.
var heavyReads = []string{"/h3/:res", "/hotspots", "/areas/:code/summary", "/plan/deployment"}

// limits holds a limiter per kind of RateLimits (nil: unlimited).
type limits struct{ writes, heavyReads *limiter }

func newLimits(r RateLimits) limits {
	var l limits
	if r.Writes > 0 {
		l.writes = newLimiter(r.Writes)
	}
	if r.HeavyReads > 0 {
		l.heavyReads = newLimiter(r.HeavyReads)
	}
	return l
}

// rateLimit answers 429 with Retry-After to a write or a heavy read whose
// token or client address is over its rate. It runs after authenticate, so
// a token's calls count against the token wherever they come from.
func (s *Server) rateLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		l, what := s.limits.heavyReads, "heavy reads"
		switch m := c.Request().Method; {
		case slices.Contains(heavyReads, c.Path()):
		case m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions:
			return next(c)
		default:
			l, what = s.limits.writes, "writes"
		}
		if l == nil {
			return next(c)
		}
		now := time.Now()
		keys := []string{"client address " + c.RealIP()}
		if a, ok := c.Get(actorKey).(data.Actor); ok {
			keys = append(keys, "token "+a.Name)
		}
		for _, key := range keys {
			if d := l.wait(key, now); d > 0 {
				seconds := int(math.Ceil(d.Seconds()))
				return &Problem{Type: "about:blank", Title: "Too Many Requests", Status: http.StatusTooManyRequests,
					Detail: fmt.Sprintf("%s are limited to %d a minute per token and per client address; %s is over it: try again in %d s", what, l.perMinute, key, seconds),
					header: map[string]string{"Retry-After": strconv.Itoa(seconds)}}
			}
		}
		return next(c)
	}
}
