// Package frontend holds the analyst map petarawan serves to browsers,
// embedded in the binary: index.html (the landing page for browsers), its
// script and style, and the vendored MapLibre GL JS. frontend/test is the
// browser test and is not embedded.
package frontend

import "embed"

// FS holds the static files.
//
//go:embed index.html app.js style.css vendor
var FS embed.FS
