package api

import (
	"bytes"
	"testing"
	"time"

	"github.com/petarawan/petarawan/geo"
)

// FuzzObservationsJSON: the JSON body of POST /observations, one object or an
// array of them. A body refused is a 4xx; the problems of an observation read
// name its position, and one without problems is of a desa.
func FuzzObservationsJSON(f *testing.F) {
	for _, s := range []string{
		`{"indicator":"konflik_sara","unit_code":"36.01.01.2001","election":"pemilu-2024","phase":"kampanye","value":1,"source":"bawaslu","observed_at":"2024-01-15T10:00:00+07:00"}`,
		`[{"indicator":"x","unit_code":"3601012001","tps":3,"election":"e","phase":"p","value":0.5,"source":"kpu","observed_at":"2024-01-15T03:00:00Z","note":"a"},{}]`,
		`{"unit_code":"36.01","value":-1,"tps":-5,"source":"demo","observed_at":"2999-01-01T00:00:00Z"}`,
		`{"value":1e400}`,
		`{"value":"1"}`,
		`[1]`,
		`  `,
		`{"indicator":"x"}{}`,
	} {
		f.Add([]byte(s))
	}
	now := time.Date(2024, 2, 14, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		items, err := decodeJSONItems[geo.ObservationInput](bytes.NewReader(body))
		if err != nil {
			if status := problemFor(err).Status; status < 400 || status > 499 {
				t.Fatalf("%s: decoding answers %d (%v)", body, status, err)
			}
			return
		}
		for i, o := range items {
			code, _, problems := o.Check(now, i+1)
			for _, p := range problems {
				if p.Item != i+1 || p.Field == "" {
					t.Fatalf("%s: problem %+v of item %d", body, p, i+1)
				}
			}
			if problems == nil && code.Level() != geo.Desa {
				t.Fatalf("%s: item %d taken with code %q", body, i+1, code)
			}
		}
	})
}
