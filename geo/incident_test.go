package geo

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// incidentFeature is a GeoJSON incident Feature with the given coordinates and properties (JSON texts).
func incidentFeature(coordinates string, props string) string {
	return `{"type":"Feature","geometry":{"type":"Point","coordinates":` + coordinates + `},"properties":{` + props + `}}`
}

const goodProps = `"type":"bentrok_pendukung","occurred_at":"2024-01-15T10:30:00+07:00","source":"polres"`

// fields lists the item and field of each problem as "item:field" (line instead of item when set).
func fields(problems []InputProblem) []string {
	var out []string
	for _, p := range problems {
		at := p.Item
		if p.Line > 0 {
			at = p.Line
		}
		out = append(out, fmt.Sprintf("%d:%s", at, p.Field))
	}
	return out
}

func TestGeoJSONFeatureIsReadAsOneIncident(t *testing.T) {
	batch, err := ReadIncidentsGeoJSON([]byte(incidentFeature(`[106.15, -6.12]`,
		goodProps+`,"description":"Dua kelompok pendukung bentrok","phase":"kampanye"`)))
	if err != nil {
		t.Fatal(err)
	}
	want := IncidentInput{Item: 1, Type: "bentrok_pendukung", OccurredAt: "2024-01-15T10:30:00+07:00", Lon: 106.15, Lat: -6.12,
		Description: "Dua kelompok pendukung bentrok", Source: "polres", Phase: "kampanye"}
	if !batch.Single || len(batch.Problems) != 0 || len(batch.Incidents) != 1 || !equalInputs(batch.Incidents[0], want) {
		t.Errorf("got %+v, want one incident %+v", batch, want)
	}
}

func equalInputs(a, b IncidentInput) bool {
	return a.Item == b.Item && a.Line == b.Line && a.Type == b.Type && a.OccurredAt == b.OccurredAt && a.Lon == b.Lon &&
		a.Lat == b.Lat && a.Description == b.Description && a.Source == b.Source && a.Phase == b.Phase &&
		slices.Equal(a.ReadProblems, b.ReadProblems)
}

func TestGeoJSONFeatureCollectionNumbersItsItemsAndNamesWhatItCannotRead(t *testing.T) {
	body := `{"type":"FeatureCollection","features":[` + strings.Join([]string{
		incidentFeature(`[106.15, -6.12, 12]`, goodProps+`,"description":null,"phase":null`), // a height is ignored, nulls are absent
		incidentFeature(`[106.15, "-6.12"]`, goodProps),
		incidentFeature(`[106.15, 1e999]`, goodProps),
		`{"type":"Feature","geometry":{"type":"LineString","coordinates":[[106,-6],[106.1,-6.1]]},"properties":{` + goodProps + `}}`,
		`{"type":"Feature","geometry":null,"properties":{` + goodProps + `}}`,
		incidentFeature(`[106.15]`, goodProps),
		incidentFeature(`[106.15, -6.12]`, `"type":7,"occurred_at":"2024-01-15T10:30:00+07:00","source":["polres"]`),
		incidentFeature(`[106.15, -6.12]`, goodProps+`,"colour":"red"`),
		`{"type":"Feature","geometry":{"type":"Point","coordinates":[106,-6]},"properties":null}`,
		`{"type":"Point","coordinates":[106,-6]}`,
		`42`,
	}, ",") + `]}`
	batch, err := ReadIncidentsGeoJSON([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if batch.Single {
		t.Error("a FeatureCollection is read as a single Feature")
	}
	var read []string
	for _, in := range batch.Incidents {
		read = append(read, fields(in.ReadProblems)...)
		if in.Item == 1 && (in.Lon != 106.15 || in.Lat != -6.12 || in.Description != "" || in.Phase != "") {
			t.Errorf("item 1 read as %+v", in)
		}
	}
	wantRead := []string{"2:geometry", "3:geometry", "4:geometry", "5:geometry", "6:geometry", "7:type", "7:source", "8:colour"}
	if !slices.Equal(read, wantRead) {
		t.Errorf("problems of the incidents read: %v, want %v", read, wantRead)
	}
	if got, want := fields(batch.Problems), []string{"9:properties", "10:type", "11:type"}; !slices.Equal(got, want) {
		t.Errorf("problems of the features not read: %v, want %v", got, want)
	}
	if len(batch.Incidents) != 8 {
		t.Errorf("%d incidents read, want 8", len(batch.Incidents))
	}
}

func TestGeoJSONThatIsNoFeatureOrCollectionIsAnError(t *testing.T) {
	for _, body := range []string{
		``, `{`, `{"type":"Feature"`, `[1,2]`, `"Feature"`, `{"type":"Point","coordinates":[106,-6]}`,
		`{"features":[]}`, `{"type":"FeatureCollection"}`, `{"type":"FeatureCollection","features":{}}`,
		`{"type":"FeatureCollection","features":[]} {}`,
	} {
		if _, err := ReadIncidentsGeoJSON([]byte(body)); err == nil {
			t.Errorf("%s: no error", body)
		}
	}
}

func TestGeoJSONBatchOfMoreThanTheMaximumIsRefused(t *testing.T) {
	one := incidentFeature(`[106.15, -6.12]`, goodProps)
	body := `{"type":"FeatureCollection","features":[` + strings.Repeat(one+",", MaxIncidentBatch) + one + `]}`
	batch, err := ReadIncidentsGeoJSON([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(batch.Problems) != 1 || !strings.Contains(batch.Problems[0].Reason, "at most 10000") || len(batch.Incidents) != 0 {
		t.Errorf("%d features: %d incidents, problems %v", MaxIncidentBatch+1, len(batch.Incidents), batch.Problems)
	}
}

func TestIncidentCheckNamesEachFaultyField(t *testing.T) {
	now := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	good := IncidentInput{Item: 3, Type: "politik_uang", OccurredAt: "2024-02-12T21:15:00+07:00", Lon: 106.15, Lat: -6.12, Source: "bawaslu"}
	cases := []struct {
		name   string
		change func(*IncidentInput)
		want   []string // item:field
	}{
		{"a good report", func(*IncidentInput) {}, nil},
		{"UTC time", func(in *IncidentInput) { in.OccurredAt = "2024-02-12T14:15:00Z" }, nil},
		{"fractional seconds", func(in *IncidentInput) { in.OccurredAt = "2024-02-12T21:15:00.5+07:00" }, nil},
		{"a time without offset", func(in *IncidentInput) { in.OccurredAt = "2024-02-12T21:15:00" }, []string{"3:occurred_at"}},
		{"a date", func(in *IncidentInput) { in.OccurredAt = "2024-02-12" }, []string{"3:occurred_at"}},
		{"not a time", func(in *IncidentInput) { in.OccurredAt = "kemarin" }, []string{"3:occurred_at"}},
		{"a time in the future", func(in *IncidentInput) { in.OccurredAt = "2024-06-01T08:00:00+07:00" }, []string{"3:occurred_at"}},
		{"no time", func(in *IncidentInput) { in.OccurredAt = "" }, []string{"3:occurred_at"}},
		{"no type", func(in *IncidentInput) { in.Type = "" }, []string{"3:type"}},
		{"longitude off the globe", func(in *IncidentInput) { in.Lon = 181 }, []string{"3:geometry"}},
		{"latitude off the globe", func(in *IncidentInput) { in.Lat = -90.5 }, []string{"3:geometry"}},
		{"NaN", func(in *IncidentInput) { in.Lon = math.NaN() }, []string{"3:geometry"}},
		{"infinity in CSV", func(in *IncidentInput) { in.Line, in.Lat = 4, math.Inf(1) }, []string{"4:lat"}},
		{"2,000 characters", func(in *IncidentInput) { in.Description = strings.Repeat("é", MaxDescriptionLength) }, nil},
		{"2,001 characters", func(in *IncidentInput) { in.Description = strings.Repeat("é", MaxDescriptionLength+1) }, []string{"3:description"}},
		{"a NUL byte", func(in *IncidentInput) { in.Description = "a\x00b" }, []string{"3:description"}},
		{"invalid UTF-8", func(in *IncidentInput) { in.Description = "\xff\xfe" }, []string{"3:description"}},
		{"demo source", func(in *IncidentInput) { in.Source = "demo" }, []string{"3:source"}},
		{"unknown source", func(in *IncidentInput) { in.Source = "twitter" }, []string{"3:source"}},
		{"no source", func(in *IncidentInput) { in.Source = "" }, []string{"3:source"}},
		{"everything wrong", func(in *IncidentInput) { *in = IncidentInput{Item: 3, Lon: 200, Source: "demo"} },
			[]string{"3:type", "3:occurred_at", "3:geometry", "3:source"}},
		{"a field that could not be read is reported once", func(in *IncidentInput) {
			in.Type = ""
			in.ReadProblems = []InputProblem{{Item: 3, Field: "type", Reason: "want a string, not 7"}}
		}, []string{"3:type"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := good
			c.change(&in)
			if _, problems := in.Check(now); !slices.Equal(fields(problems), c.want) {
				t.Errorf("problems %v (%v), want %v", fields(problems), problems, c.want)
			}
		})
	}
}

func TestIncidentTimeIsConvertedToUTC(t *testing.T) {
	for at, want := range map[string]time.Time{
		"2024-02-12T21:15:00+07:00":   time.Date(2024, 2, 12, 14, 15, 0, 0, time.UTC),
		"2024-02-12T23:15:00+09:00":   time.Date(2024, 2, 12, 14, 15, 0, 0, time.UTC),
		"2024-02-12T14:15:00Z":        time.Date(2024, 2, 12, 14, 15, 0, 0, time.UTC),
		"2024-02-13T01:15:00.5+07:00": time.Date(2024, 2, 12, 18, 15, 0, 5e8, time.UTC),
	} {
		in := IncidentInput{Item: 1, Type: "politik_uang", OccurredAt: at, Lon: 106.15, Lat: -6.12, Source: "bawaslu"}
		got, problems := in.Check(time.Now())
		if len(problems) > 0 || got != want {
			t.Errorf("%s: %v %v, want %v", at, got, problems, want)
		}
	}
}

func TestCSVIsReadByColumnNameWithProblemsByLine(t *testing.T) {
	csv := "\ufeffsource, lat,lon,occurred_at,type,description\n" +
		"polres,-6.12,106.15,2024-01-15T10:30:00+07:00,bentrok_pendukung,\"Bentrok,\nbaris kedua\"\n" +
		"\n" +
		"media,-6.2,abc,2024-01-16T10:30:00+07:00,politik_uang,\n" +
		"media,-6.2,106.2,2024-01-16T10:30:00+07:00,politik_uang\n" +
		"kpu,,106.3,2024-01-17T10:30:00+07:00,intimidasi,x\n"
	batch, err := ReadIncidentsCSV(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	if len(batch.Incidents) != 3 {
		t.Fatalf("%d incidents, want 3: %+v", len(batch.Incidents), batch)
	}
	first := IncidentInput{Item: 1, Line: 2, Type: "bentrok_pendukung", OccurredAt: "2024-01-15T10:30:00+07:00", Lon: 106.15, Lat: -6.12,
		Description: "Bentrok,\nbaris kedua", Source: "polres"}
	if !equalInputs(batch.Incidents[0], first) {
		t.Errorf("line 2 read as %+v, want %+v", batch.Incidents[0], first)
	}
	var read []string
	for _, in := range batch.Incidents {
		read = append(read, fields(in.ReadProblems)...)
	}
	// The quoted description spans lines 2-3, line 4 is empty: the lines counted are the file's.
	if want := []string{"5:lon", "7:lat"}; !slices.Equal(read, want) {
		t.Errorf("problems of lines read %v, want %v", read, want)
	}
	if got, want := fields(batch.Problems), []string{"6:"}; !slices.Equal(got, want) {
		t.Errorf("problems of lines not read %v, want %v (a line with a missing field)", got, want)
	}
}

func TestCSVHeaderProblemsAreNamedOnLineOne(t *testing.T) {
	cases := map[string][]string{
		"type,occurred_at,lon,lat,source\n":                     nil,
		"type,occurred_at,lon,lat,source,phase,description\n":   nil,
		"type,occurred_at,lon,lat,source,colour\n":              {"1:colour"},
		"type,occurred_at,lon,lat,source,lon\n":                 {"1:lon"},
		"type,occurred_at,lon,description\n":                    {"1:lat", "1:source"},
		"":                                                      {"1:"},
		"type,occurred_at,longitude,latitude,source,keterangan": {"1:longitude", "1:latitude", "1:keterangan", "1:lon", "1:lat"},
	}
	for csv, want := range cases {
		batch, err := ReadIncidentsCSV(strings.NewReader(csv))
		if err != nil {
			t.Errorf("%q: %v", csv, err)
			continue
		}
		if got := fields(batch.Problems); !slices.Equal(got, want) {
			t.Errorf("%q: problems %v, want %v", csv, got, want)
		}
	}
}

func TestCSVWithBrokenQuotingIsAnError(t *testing.T) {
	csv := "type,occurred_at,lon,lat,source\nbentrok_pendukung,2024-01-15T10:30:00+07:00,106.1,-6.1,\"polres\n"
	if _, err := ReadIncidentsCSV(strings.NewReader(csv)); err == nil || !strings.Contains(err.Error(), "line") {
		t.Errorf("broken quote: error %v, want one naming the line", err)
	}
}

// pemilu2024 are the phases of migrations/00002_pemilu_2024.sql.
var pemilu2024 = []ElectionPhase{
	{"pemilu-2024", "kampanye", day(2023, 11, 28), day(2024, 2, 10)},
	{"pemilu-2024", "masa_tenang", day(2024, 2, 11), day(2024, 2, 13)},
	{"pemilu-2024", "pemungutan_suara", day(2024, 2, 14), day(2024, 2, 14)},
	{"pemilu-2024", "penghitungan", day(2024, 2, 14), day(2024, 2, 15)},
	{"pemilu-2024", "rekapitulasi", day(2024, 2, 15), day(2024, 3, 20)},
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestIncidentPhaseIsTheFirstContainingItsWIBDayUnlessNamed(t *testing.T) {
	cases := []struct {
		at, named string
		want      string // phase, or "!field" for a problem
	}{
		{"2023-11-28T00:00:00+07:00", "", "kampanye"},
		{"2023-11-27T16:59:59Z", "", "!occurred_at"}, // 23:59:59 WIB on the 27th
		{"2023-11-27T17:00:00Z", "", "kampanye"},     // midnight WIB on the 28th
		{"2024-02-13T23:59:59+07:00", "", "masa_tenang"},
		{"2024-02-13T17:30:00Z", "", "pemungutan_suara"}, // 00:30 WIB on the 14th
		{"2024-02-14T08:00:00+09:00", "", "pemungutan_suara"},
		{"2024-02-14T20:00:00+07:00", "penghitungan", "penghitungan"},
		{"2024-02-14T20:00:00+07:00", "pemungutan_suara", "pemungutan_suara"},
		{"2024-02-14T20:00:00+07:00", "rekapitulasi", "!phase"},
		{"2024-02-15T10:00:00+07:00", "", "penghitungan"},
		{"2024-02-15T10:00:00+07:00", "rekapitulasi", "rekapitulasi"},
		{"2024-02-15T10:00:00+07:00", "pemungutan_suara", "!phase"},
		{"2024-02-15T10:00:00+07:00", "pesta", "!phase"},
		{"2024-02-16T10:00:00+07:00", "", "rekapitulasi"},
		{"2024-03-20T23:59:00+07:00", "", "rekapitulasi"},
		{"2024-03-20T17:00:00Z", "", "!occurred_at"}, // 00:00 WIB on 21 March
		{"2019-04-17T10:00:00+07:00", "", "!occurred_at"},
	}
	for _, c := range cases {
		at, err := time.Parse(time.RFC3339, c.at)
		if err != nil {
			t.Fatal(err)
		}
		p, problem := PhaseAt(pemilu2024, at, c.named)
		got := p.Phase
		if problem != nil {
			got = "!" + problem.Field
		}
		if got != c.want {
			t.Errorf("%s (phase %q): %s, want %s (%v)", c.at, c.named, got, c.want, problem)
		}
		if problem != nil && problem.Field == "occurred_at" && !strings.Contains(problem.Reason, "outside the election") {
			t.Errorf("%s: reason %q does not say outside the election", c.at, problem.Reason)
		}
		if problem == nil && p.Election != "pemilu-2024" {
			t.Errorf("%s: election %q", c.at, p.Election)
		}
	}
}

func TestWhereElectionsOverlapTheFirstListedWins(t *testing.T) {
	pilkada := []ElectionPhase{{"pilkada-2024", "kampanye", day(2024, 2, 1), day(2024, 2, 28)}}
	at := time.Date(2024, 2, 12, 10, 0, 0, 0, WIB)
	if p, _ := PhaseAt(append(pilkada, pemilu2024...), at, ""); p.Election != "pilkada-2024" {
		t.Errorf("got %s %s, want the first listed election", p.Election, p.Phase)
	}
	if p, _ := PhaseAt(append(pilkada, pemilu2024...), at, "masa_tenang"); p.Election != "pemilu-2024" || p.Phase != "masa_tenang" {
		t.Errorf("named masa_tenang: got %s %s", p.Election, p.Phase)
	}
}

func TestDatetimeParameterIsAnInstantOrAnInterval(t *testing.T) {
	wib := func(s string) *time.Time {
		t, err := time.ParseInLocation("2006-01-02 15:04:05.999999", s, WIB)
		if err != nil {
			panic(err)
		}
		return &t
	}
	cases := []struct {
		in          string
		from, until *time.Time
	}{
		{"2024-02-14", wib("2024-02-14 00:00:00"), wib("2024-02-15 00:00:00")},
		{"2024-02-14T10:00:00+07:00", wib("2024-02-14 10:00:00"), wib("2024-02-14 10:00:00.000001")},
		{"2024-02-14T03:00:00Z", wib("2024-02-14 10:00:00"), wib("2024-02-14 10:00:00.000001")},
		{"2024-02-11/2024-02-13", wib("2024-02-11 00:00:00"), wib("2024-02-14 00:00:00")},
		{"2024-02-11T06:00:00+07:00/2024-02-13T18:00:00+07:00", wib("2024-02-11 06:00:00"), wib("2024-02-13 18:00:00.000001")},
		{"../2024-02-13", nil, wib("2024-02-14 00:00:00")},
		{"/2024-02-13", nil, wib("2024-02-14 00:00:00")},
		{"2024-02-14/..", wib("2024-02-14 00:00:00"), nil},
		{"2024-02-14/", wib("2024-02-14 00:00:00"), nil},
		{"2024-02-14/2024-02-14", wib("2024-02-14 00:00:00"), wib("2024-02-15 00:00:00")},
	}
	for _, c := range cases {
		r, err := ParseTimeRange(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		same := func(a, b *time.Time) bool { return a == nil && b == nil || a != nil && b != nil && a.Equal(*b) }
		if !same(r.From, c.from) || !same(r.Until, c.until) {
			t.Errorf("%s: [%v, %v), want [%v, %v)", c.in, r.From, r.Until, c.from, c.until)
		}
	}
	for _, bad := range []string{"", "kemarin", "2024-02-14T10:00:00", "2024-02-14T10:00:00 07:00", "../..", "/", "2024-02-15/2024-02-14",
		"2024-02-14T10:00:00Z/2024-02-14T09:00:00Z", "2024-02-11/2024-02-12/2024-02-13", "2024-13-01"} {
		if _, err := ParseTimeRange(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// The readers take any bytes: they answer an error or a batch, never panic,
// and every report they return is located.
func FuzzReadIncidents(f *testing.F) {
	f.Add([]byte(incidentFeature(`[106.15, -6.12]`, goodProps)))
	f.Add([]byte(`{"type":"FeatureCollection","features":[` + incidentFeature(`[1e400, "x"]`, `"type":null`) + `]}`))
	f.Add([]byte("type,occurred_at,lon,lat,source\nbentrok_pendukung,2024-01-15T10:30:00+07:00,106.1,-6.1,polres\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		geojson, errJSON := ReadIncidentsGeoJSON(body)
		csv, errCSV := ReadIncidentsCSV(strings.NewReader(string(body)))
		for _, b := range []struct {
			batch IncidentBatch
			err   error
		}{{geojson, errJSON}, {csv, errCSV}} {
			if b.err != nil {
				continue
			}
			for _, in := range b.batch.Incidents {
				if in.Item < 1 {
					t.Errorf("incident without its position: %+v", in)
				}
				in.Check(time.Now())
			}
		}
	})
}
