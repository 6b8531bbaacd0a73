package api

import "github.com/labstack/echo/v4"

func (s *Server) incidentRoutes(e *echo.Echo) {}

func addIncidentPaths(paths object) {}
