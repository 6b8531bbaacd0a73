package geo

import "strings"

// CodePrefix reads the start of a Kemendagri code, with dots ("36.72.0") or
// without ("36720"), and gives it with its dots, ready to match codes by
// prefix. ok is false when s cannot start a code: anything but digits and
// dots, dots where no code has them, or more digits than a desa code holds.
func CodePrefix(s string) (prefix string, ok bool) {
	if s == "" || strings.Trim(s, "0123456789.") != "" {
		return "", false
	}
	if strings.Contains(s, ".") {
		parts := strings.Split(s, ".")
		if len(parts) > len(segmentWidths) || parts[0] == "" {
			return "", false
		}
		for i, p := range parts {
			last := i == len(parts)-1
			if len(p) > segmentWidths[i] || !last && len(p) < segmentWidths[i] {
				return "", false
			}
		}
		return s, true
	}
	var b strings.Builder
	rest := s
	for i, w := range segmentWidths {
		if rest == "" {
			break
		}
		if i > 0 {
			b.WriteByte('.')
		}
		n := min(w, len(rest))
		b.WriteString(rest[:n])
		rest = rest[n:]
	}
	if rest != "" {
		return "", false
	}
	return b.String(), true
}
