package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/petarawan/petarawan/data"
	"github.com/petarawan/petarawan/geo"
)

// actorKey is where authenticate leaves the request's actor in the Echo context.
const actorKey = "petarawan.actor"

// unauthorized is a 401 that tells the client to bring a bearer token.
func unauthorized(detail string) *Problem {
	return &Problem{Type: "about:blank", Title: "Unauthorized", Status: http.StatusUnauthorized, Detail: detail,
		header: map[string]string{"WWW-Authenticate": `Bearer realm="petarawan"`}}
}

func forbidden(detail string) *Problem {
	return &Problem{Type: "about:blank", Title: "Forbidden", Status: http.StatusForbidden, Detail: detail}
}

// authenticate reads an `Authorization: Bearer` token, when there is one, and
// leaves its actor for require. A token that is sent must be valid, even on a
// public read: a client holding a revoked token should learn it at once.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		header := c.Request().Header.Get(echo.HeaderAuthorization)
		if header == "" {
			if s.opt.RequireReadToken && c.Request().Method != http.MethodOptions && !slices.Contains(opsPaths, c.Path()) {
				return unauthorized("this server requires a token for every request: send Authorization: Bearer <token>")
			}
			return next(c)
		}
		scheme, secret, ok := strings.Cut(header, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" {
			return unauthorized("the Authorization header must be: Bearer <token>")
		}
		actor, err := s.store.Authenticate(c.Request().Context(), strings.TrimSpace(secret))
		if errors.Is(err, data.ErrInvalidToken) {
			return unauthorized("the token is unknown or revoked")
		}
		if err != nil {
			return err
		}
		c.Set(actorKey, actor)
		return next(c)
	}
}

// require lets a request through only with a token of at least the given role.
func require(role data.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			actor, ok := c.Get(actorKey).(data.Actor)
			if !ok {
				return unauthorized("this needs a token with role " + string(role) + ": send Authorization: Bearer <token>")
			}
			if !actor.Role.Allows(role) {
				return forbidden("token " + actor.Name + " has role " + string(actor.Role) + "; this needs " + string(role))
			}
			return next(c)
		}
	}
}

// actorOf is the authenticated actor of a request that passed require.
func actorOf(c echo.Context) data.Actor {
	a, _ := c.Get(actorKey).(data.Actor)
	return a
}

// readScope is where the request's token may read: its jurisdiction when it
// has scoped reads, nil (everywhere) otherwise.
func readScope(c echo.Context) geo.Jurisdiction {
	if a, ok := c.Get(actorKey).(data.Actor); ok && a.ScopedReads {
		return a.Jurisdiction
	}
	return nil
}

// scopedReads sorts the GET routes for tokens with scoped reads: those their
// handlers confine to the jurisdiction (readScope), those whose unit or area
// this middleware checks, and those without area data. Every other read
// (tiles, H3 cells, search) covers areas beyond any jurisdiction and is
// refused. POST /plan/deployment, a read with a body, checks its areas itself.
var scopedReads = struct{ confined, unit, area, open []string }{
	confined: []string{"/collections/:collectionId/items", "/observations", "/collections/insiden/items", "/collections/insiden/items/:featureId"},
	unit:     []string{"/collections/:collectionId/items/:featureId", "/collections/:collectionId/items/:featureId/explain", "/areas/:code/summary"},
	area:     []string{"/hotspots"},
	open: []string{"/", "/conformance", "/api", "/collections", "/collections/:collectionId", "/collections/insiden",
		"/indicators", "/indicators/:code", "/threats", "/incident-types", "/dimensions", "/thresholds",
		"/scoring/runs", "/scoring/runs/:id", "/elections", StaticPrefix + "*"},
}

// confineReads keeps a token with scoped reads inside its jurisdiction.
func (s *Server) confineReads(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		j := readScope(c)
		route := c.Path()
		if j == nil || slices.Contains(scopedReads.confined, route) || slices.Contains(scopedReads.open, route) ||
			slices.Contains(opsPaths, route) || c.Request().Method != http.MethodGet && c.Request().Method != http.MethodHead {
			return next(c)
		}
		actor := actorOf(c)
		outside := func(what string) error {
			return forbidden(fmt.Sprintf("token %s reads only inside its jurisdiction (%s); %s", actor.Name, strings.Join(j.Strings(), ", "), what))
		}
		switch {
		case slices.Contains(scopedReads.unit, route):
			param := "featureId"
			if route == "/areas/:code/summary" {
				param = "code"
			}
			// A unit around the jurisdiction shows its own score; its summary
			// or explanation would go through its parts beyond it.
			whole := route != "/collections/:collectionId/items/:featureId"
			code, err := geo.ParseCode(c.Param(param))
			switch {
			case err != nil:
				return next(c) // the handler's 404 or 400
			case whole && !j.Contains(code):
				return outside(fmt.Sprintf("%s is not inside it", code))
			case !j.Touches(code):
				return outside(fmt.Sprintf("%s is neither inside it nor around part of it", code))
			}
			return next(c)
		case slices.Contains(scopedReads.area, route):
			code, err := geo.ParseCode(c.QueryParam(ParamArea))
			if err != nil || !j.Contains(code) {
				return outside("give area=<an admin code inside it> (bbox and polygon areas are not confined)")
			}
			if c.QueryParam(ParamUnit) == UnitH3 {
				return outside("H3 cells straddle its edge: use unit=desa")
			}
			return next(c)
		}
		return outside("this answer covers areas beyond it")
	}
}
