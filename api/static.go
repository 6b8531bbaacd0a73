package api

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"

	"github.com/labstack/echo/v4"

	"github.com/petarawan/petarawan/frontend"
)

// StaticPrefix is where the map's script, style and vendored libraries are
// served; index.html itself is the landing page for browsers.
const StaticPrefix = "/static/"

// staticTypes are the content types of the files the map is made of.
var staticTypes = map[string]string{
	".js":   "text/javascript; charset=utf-8",
	".mjs":  "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".txt":  "text/plain; charset=utf-8",
	".json": MediaJSON,
}

// staticFile is an embedded file ready to serve.
type staticFile struct {
	body        []byte
	contentType string
	etag        string
}

// mapRoutes serves the map's static files (frontend/) under StaticPrefix.
// embed.FS keeps no modification times, so every file is revalidated by its
// ETag, a hash of its content computed once at start.
func (s *Server) mapRoutes(e *echo.Echo) {
	files, err := staticFiles(frontend.FS)
	if err != nil {
		panic("reading the embedded map files: " + err.Error()) // the binary itself is broken
	}
	e.GET(StaticPrefix+"*", func(c echo.Context) error {
		// Query strings are ignored: MapLibre asks for its worker with ?v=VERSION.
		f, ok := files[c.Param("*")]
		if !ok {
			return notFound("no such file: " + c.Request().URL.Path)
		}
		h := c.Response().Header()
		h.Set("ETag", f.etag)
		h.Set("Cache-Control", "no-cache")
		if etagMatches(c.Request().Header.Get("If-None-Match"), f.etag) {
			return c.NoContent(http.StatusNotModified)
		}
		return c.Blob(http.StatusOK, f.contentType, f.body)
	})
}

// staticFiles reads the files of fsys that have a known content type, by path.
func staticFiles(fsys fs.FS) (map[string]staticFile, error) {
	files := map[string]staticFile{}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		contentType, ok := staticTypes[path.Ext(name)]
		if !ok {
			return nil
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		files[name] = staticFile{body: body, contentType: contentType, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
		return nil
	})
	return files, err
}
