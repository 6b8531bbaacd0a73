package api

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/petarawan/petarawan/data"
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
