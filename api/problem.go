package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/geo"
)

// Problem is an RFC 7807 problem detail; handlers return it as an error.
type Problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail,omitempty"`
	Instance  string `json:"instance,omitempty"`
	Parameter string `json:"parameter,omitempty"` // the query parameter at fault
	// Problems lists what was wrong with each item of a refused write.
	Problems []geo.InputProblem `json:"problems,omitempty"`
	// header holds response headers the problem comes with (Retry-After, WWW-Authenticate).
	header map[string]string
}

func (p *Problem) Error() string { return p.Title + ": " + p.Detail }

// badParameter is a 400 naming the query parameter at fault.
func badParameter(param, detail string) *Problem {
	return &Problem{Type: "about:blank", Title: "Bad Request", Status: http.StatusBadRequest,
		Detail: "parameter " + param + ": " + detail, Parameter: param}
}

func notFound(detail string) *Problem {
	return &Problem{Type: "about:blank", Title: "Not Found", Status: http.StatusNotFound, Detail: detail}
}

func unavailable(detail string) *Problem {
	return &Problem{Type: "about:blank", Title: "Service Unavailable", Status: http.StatusServiceUnavailable, Detail: detail,
		header: map[string]string{"Retry-After": "5"}}
}

// problemFor turns any error a handler returns into the problem the client sees.
func problemFor(err error) *Problem {
	var p *Problem
	var he *echo.HTTPError
	var invalid *data.InvalidInput
	var notComputed *data.H3NotComputedError
	var outside *data.OutsideJurisdictionError
	switch {
	case errors.As(err, &p):
		return p
	case errors.As(err, &he):
		detail := http.StatusText(he.Code)
		if msg, ok := he.Message.(string); ok {
			detail = msg
		}
		return &Problem{Type: "about:blank", Title: http.StatusText(he.Code), Status: he.Code, Detail: detail}
	case errors.As(err, &invalid):
		return &Problem{Type: "about:blank", Title: "Unprocessable Entity", Status: http.StatusUnprocessableEntity,
			Detail: invalid.Error(), Problems: invalid.Problems}
	case errors.As(err, &outside):
		p := forbidden(outside.Error() + "; nothing was written")
		p.Problems = outside.Problems
		return p
	case errors.Is(err, data.ErrH3Stale):
		return unavailable(err.Error())
	case errors.As(err, &notComputed):
		return notFound(err.Error())
	case errors.Is(err, data.ErrNotFound):
		// "no indicator \"x\": not found" reads better without its tail.
		return notFound(strings.TrimSuffix(err.Error(), ": "+data.ErrNotFound.Error()))
	case errors.Is(err, data.ErrBusy):
		return unavailable("every database connection is busy; try again shortly")
	case data.IsTimeout(err), errors.Is(err, context.DeadlineExceeded):
		return unavailable("the query took too long; narrow it (bbox, filters, a smaller limit) or try again")
	case data.IsUnavailable(err):
		return unavailable("the database is unreachable; try again shortly")
	}
	return &Problem{Type: "about:blank", Title: "Internal Server Error", Status: http.StatusInternalServerError,
		Detail: "an unexpected error occurred; it has been logged"}
}

// handleError is Echo's error handler: every failure leaves as problem+json.
func handleError(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed || errors.Is(err, context.Canceled) {
			return // the client is gone or the body has started: nothing more to say
		}
		p := problemFor(err)
		if p.Status >= 500 {
			log.Error("request failed", "request_id", requestID(c), "method", c.Request().Method, "uri", loggedURI(c), "status", p.Status, "err", err)
		}
		p.Instance = c.Request().URL.Path
		for k, v := range p.header {
			c.Response().Header().Set(k, v)
		}
		c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
		c.Response().WriteHeader(p.Status)
		if c.Request().Method != http.MethodHead {
			json.NewEncoder(c.Response()).Encode(p)
		}
	}
}
