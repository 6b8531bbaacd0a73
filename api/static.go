package api

import "github.com/labstack/echo/v4"

// mapRoutes serves the map's static files (frontend/).
func (s *Server) mapRoutes(e *echo.Echo) {}
