package geo

import (
	"strings"
	"testing"
	"time"
)

// FuzzParseTimeRange: a range that parses has an end, starts before it ends,
// and falls on whole microseconds (the precision times are stored with); an
// instant is one microsecond (a date-time) or one day (a date).
func FuzzParseTimeRange(f *testing.F) {
	for _, s := range []string{"2024-02-14", "2024-02-14T09:00:00+07:00", "2024-02-14T09:00:00.1234567Z",
		"2024-01-01/2024-02-14", "../2024-02-14T09:00:00Z", "2024-02-14/..", "2024-02-14/", "/", "2024-02-15/2024-02-14"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseTimeRange(s)
		if err != nil {
			return
		}
		if r.From == nil && r.Until == nil {
			t.Fatalf("ParseTimeRange(%q) has no end", s)
		}
		for _, end := range []*time.Time{r.From, r.Until} {
			if end != nil && !end.Truncate(time.Microsecond).Equal(*end) {
				t.Fatalf("ParseTimeRange(%q): %v is not a whole microsecond", s, end)
			}
		}
		if r.From != nil && r.Until != nil && !r.From.Before(*r.Until) {
			t.Fatalf("ParseTimeRange(%q) = [%v, %v): empty", s, r.From, r.Until)
		}
		if !strings.Contains(s, "/") {
			if r.From == nil || r.Until == nil {
				t.Fatalf("ParseTimeRange(%q): an instant with an open end", s)
			}
			if d := r.Until.Sub(*r.From); d != time.Microsecond && d != 24*time.Hour {
				t.Fatalf("ParseTimeRange(%q): an instant lasting %v", s, d)
			}
		}
	})
}
