// Package migrations holds the SQL schema as numbered goose migrations,
// embedded so that the binary can migrate a database on its own.
package migrations

import "embed"

// FS holds the migration files.
//
//go:embed *.sql
var FS embed.FS
