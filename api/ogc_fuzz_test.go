package api

import (
	"strings"
	"testing"
	"time"

	"github.com/petarawan/petarawan/geo"
)

// FuzzParseDatetime: the instant of a phase selection. One that parses is
// no interval, written back as RFC 3339 reads as the same instant, and is
// where the datetime of the incident endpoints (geo.ParseTimeRange) starts;
// both take the same instants. Else a 400 on datetime.
func FuzzParseDatetime(f *testing.F) {
	for _, s := range []string{"2024-02-14", "2024-02-14T09:00:00+07:00", "2024-02-14T02:00:00.5Z", "2024-02-14 09:00:00+07:00",
		"2024-02-14T09:00:00", "2024-01-01/2024-02-14", "2024-02-30", "0000-01-01T00:00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		at, err := parseDatetime(s)
		r, rangeErr := geo.ParseTimeRange(s)
		if err != nil {
			wantBadParameter(t, err, ParamDatetime)
			if rangeErr == nil && !strings.Contains(s, "/") {
				t.Fatalf("%q: refused as a phase instant, read as %v..%v by the incident datetime", s, r.From, r.Until)
			}
			return
		}
		if strings.Contains(s, "/") {
			t.Fatalf("%q: an interval read as %v", s, at)
		}
		if again, err := parseDatetime(at.Format(time.RFC3339Nano)); err != nil || !again.Equal(at) {
			t.Fatalf("%q read as %v, which reads back as %v, %v", s, at, again, err)
		}
		if rangeErr != nil || !r.From.Equal(at.Truncate(time.Microsecond)) {
			t.Fatalf("%q read as %v; the incident datetime reads it from %v, %v", s, at, r.From, rangeErr)
		}
	})
}
