// Package frontend holds the static pages petarawan serves to browsers,
// embedded in the binary.
package frontend

import "embed"

// FS holds the static files.
//
//go:embed index.html
var FS embed.FS
