package api

import "github.com/labstack/echo/v4"

func (s *Server) riskRoutes(e *echo.Echo) {}

func addRiskPaths(paths object) {}
