package api

import "github.com/labstack/echo/v4"

func (s *Server) adminRoutes(e *echo.Echo) {}

func addAdminPaths(paths object) {}
