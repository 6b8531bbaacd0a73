package api

import "github.com/labstack/echo/v4"

func (s *Server) searchRoutes(e *echo.Echo) {}

func addSearchPaths(paths object) {}
