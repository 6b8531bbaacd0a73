// Package geo holds petarawan's domain in plain Go: Kemendagri codes and
// admin levels, risk categories, bounding boxes, boundary features and the
// demo score model. No database, no HTTP.
package geo

import (
	"fmt"
	"strconv"
	"strings"
)

// Level is the depth of an administrative unit: provinsi (1) down to desa (4).
type Level int

const (
	Provinsi  Level = 1
	Kabupaten Level = 2
	Kecamatan Level = 3
	Desa      Level = 4
)

// Levels lists every level from the top down.
var Levels = []Level{Provinsi, Kabupaten, Kecamatan, Desa}

var levelNames = map[Level]string{Provinsi: "provinsi", Kabupaten: "kabupaten", Kecamatan: "kecamatan", Desa: "desa"}

// String is the level's name, which is also its collection id: "provinsi", "kabupaten", "kecamatan", "desa".
func (l Level) String() string { return levelNames[l] }

// MarshalText names the level in JSON (provinsi, kabupaten, kecamatan, desa).
func (l Level) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

func (l *Level) UnmarshalText(b []byte) error {
	v, ok := ParseLevel(string(b))
	if !ok {
		return fmt.Errorf("unknown level %q", b)
	}
	*l = v
	return nil
}

// ParseLevel reads a level name.
func ParseLevel(s string) (Level, bool) {
	for l, name := range levelNames {
		if name == s {
			return l, true
		}
	}
	return 0, false
}

// Code is a Kemendagri code written with dots: "36", "36.72", "36.72.01", "36.72.01.1001".
type Code string

// segment widths per level: provinsi 2 digits, kabupaten 2, kecamatan 2, desa 4.
var segmentWidths = []int{2, 2, 2, 4}

// ParseCode reads a code with dots ("36.72.01.1001") or without ("3672011001").
func ParseCode(s string) (Code, error) {
	if s == "" {
		return "", fmt.Errorf("empty code")
	}
	if !strings.Contains(s, ".") {
		return codeFromDigits(s)
	}
	parts := strings.Split(s, ".")
	if len(parts) > len(segmentWidths) {
		return "", fmt.Errorf("code %q has more than %d parts", s, len(segmentWidths))
	}
	for i, p := range parts {
		if len(p) != segmentWidths[i] || !allDigits(p) {
			return "", fmt.Errorf("code %q: part %d must be %d digits", s, i+1, segmentWidths[i])
		}
	}
	return Code(s), nil
}

func codeFromDigits(s string) (Code, error) {
	if !allDigits(s) {
		return "", fmt.Errorf("code %q must be digits with optional dots, like 36.72.01.1001", s)
	}
	var parts []string
	rest := s
	for _, w := range segmentWidths {
		if rest == "" {
			break
		}
		if len(rest) < w {
			return "", fmt.Errorf("code %q has %d digits; codes have 2, 4, 6 or 10", s, len(s))
		}
		parts = append(parts, rest[:w])
		rest = rest[w:]
	}
	if rest != "" {
		return "", fmt.Errorf("code %q has %d digits; codes have 2, 4, 6 or 10", s, len(s))
	}
	return Code(strings.Join(parts, ".")), nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// Level is the depth of the unit the code names.
func (c Code) Level() Level { return Level(strings.Count(string(c), ".") + 1) }

// Parent is the code of the unit one level up, or "" for a provinsi.
func (c Code) Parent() Code {
	i := strings.LastIndexByte(string(c), '.')
	if i < 0 {
		return ""
	}
	return c[:i]
}

// Ancestor is the code of the enclosing unit at level l (l must not be below c's level).
func (c Code) Ancestor(l Level) Code {
	for c.Level() > l {
		c = c.Parent()
	}
	return c
}

// ID is the numeric feature id: the code without dots (36.72.01.1001 -> 3672011001).
func (c Code) ID() int64 {
	id, _ := strconv.ParseInt(strings.ReplaceAll(string(c), ".", ""), 10, 64)
	return id
}

// Kind tells what sort of unit a code names, by the Kemendagri convention:
// kabupaten codes run 01-69 and kota codes 71-99; kelurahan codes start with 1
// and desa codes with 2 in their last part.
func (c Code) Kind() string {
	switch c.Level() {
	case Provinsi:
		return "provinsi"
	case Kabupaten:
		if c[3] >= '7' {
			return "kota"
		}
		return "kabupaten"
	case Kecamatan:
		return "kecamatan"
	default:
		if c[9] == '1' {
			return "kelurahan"
		}
		return "desa"
	}
}

// KindsOf lists the kinds a unit of level l can be.
func KindsOf(l Level) []string {
	switch l {
	case Provinsi:
		return []string{"provinsi"}
	case Kabupaten:
		return []string{"kabupaten", "kota"}
	case Kecamatan:
		return []string{"kecamatan"}
	default:
		return []string{"desa", "kelurahan"}
	}
}
