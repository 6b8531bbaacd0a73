package geo

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of incident reports.
const (
	MaxIncidentBatch        = 10_000
	MaxDescriptionLength    = 2000 // characters
	incidentFutureTolerance = 5 * time.Minute
)

// IncidentInput is an incident report as submitted, before it is checked
// against the catalogue, the election phases and the desa.
type IncidentInput struct {
	// Item is the 1-based position of the report in its batch; Line its CSV
	// line (0 when the batch is GeoJSON).
	Item, Line int
	Type       string
	// OccurredAt is an RFC 3339 date-time with its offset.
	OccurredAt  string
	Lon, Lat    float64
	Description string
	Source      string
	// Phase optionally names the election phase; it must contain the day of OccurredAt.
	Phase string
	// ReadProblems are the fields that could not be read (a property of the
	// wrong JSON type, a geometry that is not a Point, a number that is not
	// one). Check reports them and checks the other fields.
	ReadProblems []InputProblem
}

// IncidentBatch is a batch of incident reports as read from a request body.
type IncidentBatch struct {
	Incidents []IncidentInput
	// Problems are those of the batch, its CSV header, and the reports that
	// could not be read at all (not a Feature, a CSV line of the wrong
	// length); those reports are not in Incidents. Any problem fails the batch.
	Problems []InputProblem
	// Single is true when the body was one Feature rather than a collection.
	Single bool
}

// problem locates a problem at the report.
func (in IncidentInput) problem(field, format string, a ...any) InputProblem {
	return InputProblem{Item: in.Item, Line: in.Line, Field: field, Reason: fmt.Sprintf(format, a...)}
}

// CoordinatesField names where the report's position was given: its
// geometry, or the lon and lat columns of a CSV line.
func (in IncidentInput) CoordinatesField() string {
	if in.Line > 0 {
		return "lon,lat"
	}
	return "geometry"
}

// Check reports what is wrong with the report on its own (its ReadProblems,
// required fields, formats, ranges), given the current time, and returns
// its time in UTC.
func (in IncidentInput) Check(now time.Time) (time.Time, []InputProblem) {
	problems := slices.Clone(in.ReadProblems)
	unread := func(field string) bool {
		return slices.ContainsFunc(in.ReadProblems, func(p InputProblem) bool { return p.Field == field })
	}
	add := func(field, format string, a ...any) {
		if !unread(field) {
			problems = append(problems, in.problem(field, format, a...))
		}
	}
	if in.Type == "" {
		add("type", "missing; an incident type code such as bentrok_pendukung")
	}
	at, reason := parseOccurredAt(in.OccurredAt)
	switch {
	case reason != "":
		add("occurred_at", "%s", reason)
	case at.After(now.Add(incidentFutureTolerance)):
		add("occurred_at", "%s is in the future", in.OccurredAt)
	}
	lonField, latField := "geometry", "geometry"
	if in.Line > 0 {
		lonField, latField = "lon", "lat"
	}
	if math.IsNaN(in.Lon) || math.IsInf(in.Lon, 0) || in.Lon < -180 || in.Lon > 180 {
		add(lonField, "longitude %v is not a number from -180 to 180", in.Lon)
	}
	if math.IsNaN(in.Lat) || math.IsInf(in.Lat, 0) || in.Lat < -90 || in.Lat > 90 {
		add(latField, "latitude %v is not a number from -90 to 90", in.Lat)
	}
	switch n := utf8.RuneCountInString(in.Description); {
	case !utf8.ValidString(in.Description) || strings.ContainsRune(in.Description, 0):
		add("description", "is not valid UTF-8 text")
	case n > MaxDescriptionLength:
		add("description", "%d characters; at most %d", n, MaxDescriptionLength)
	}
	if reason := sourceProblem(in.Source); reason != "" {
		add("source", "%s", reason)
	}
	return at.UTC(), problems
}

// parseOccurredAt reads an RFC 3339 date-time, which must carry its offset:
// without one, the time is ambiguous by up to two hours across Indonesia.
// It returns the reason when s is not one.
func parseOccurredAt(s string) (time.Time, string) {
	if s == "" {
		return time.Time{}, "missing; an RFC 3339 date-time with offset, such as 2024-02-10T09:30:00+07:00"
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, ""
	}
	if _, err := time.Parse("2006-01-02T15:04:05", s); err == nil {
		return time.Time{}, fmt.Sprintf("%q has no UTC offset; add +07:00 for WIB (or Z for UTC)", s)
	}
	if _, err := time.Parse(time.DateOnly, s); err == nil {
		return time.Time{}, fmt.Sprintf("%q is a date; give the date-time with offset, such as %sT09:30:00+07:00", s, s)
	}
	return time.Time{}, fmt.Sprintf("%q is not an RFC 3339 date-time with offset, such as 2024-02-10T09:30:00+07:00", s)
}

// incidentProperties are the properties of an incident Feature.
var incidentProperties = []string{"type", "occurred_at", "description", "source", "phase"}

// optionalIncidentProperties may be left out, or null in GeoJSON.
var optionalIncidentProperties = map[string]bool{"description": true, "phase": true}

// ReadIncidentsGeoJSON reads a GeoJSON Feature or FeatureCollection of Point
// features with the properties type, occurred_at, source and optionally
// description and phase. Problems are located by the feature's 1-based
// position; a body that is not JSON, or not a Feature or
// FeatureCollection, is an error.
func ReadIncidentsGeoJSON(body []byte) (IncidentBatch, error) {
	var batch IncidentBatch
	if !json.Valid(body) {
		var v any
		err := json.Unmarshal(body, &v)
		return batch, fmt.Errorf("the body is not JSON: %v", err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return batch, errors.New("the body is not a GeoJSON object: want a Feature or a FeatureCollection")
	}
	var kind string
	json.Unmarshal(top["type"], &kind)
	var features []json.RawMessage
	switch kind {
	case "Feature":
		batch.Single = true
		features = []json.RawMessage{body}
	case "FeatureCollection":
		if err := json.Unmarshal(top["features"], &features); err != nil || features == nil {
			return batch, errors.New(`a FeatureCollection needs a "features" array`)
		}
	case "":
		return batch, errors.New(`the body has no GeoJSON "type"; want a Feature or a FeatureCollection`)
	default:
		return batch, fmt.Errorf("the body is a GeoJSON %s; want a Feature or a FeatureCollection", kind)
	}
	if len(features) > MaxIncidentBatch {
		batch.Problems = []InputProblem{{Reason: fmt.Sprintf("%d incidents in one batch; at most %d", len(features), MaxIncidentBatch)}}
		return batch, nil
	}
	for i, raw := range features {
		in, ok := readIncidentFeature(raw, i+1)
		if !ok {
			batch.Problems = append(batch.Problems, in.ReadProblems...)
			continue
		}
		batch.Incidents = append(batch.Incidents, in)
	}
	return batch, nil
}

// readIncidentFeature reads one Feature of an incident batch; it is not ok
// when the feature is not a Feature with properties at all.
func readIncidentFeature(raw json.RawMessage, item int) (in IncidentInput, ok bool) {
	in.Item = item
	add := func(field, format string, a ...any) {
		in.ReadProblems = append(in.ReadProblems, in.problem(field, format, a...))
	}
	var f struct {
		Type       string          `json:"type"`
		Geometry   json.RawMessage `json:"geometry"`
		Properties json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(raw, &f); err != nil || f.Type != "Feature" {
		add("type", "not a GeoJSON Feature")
		return in, false
	}
	var props map[string]json.RawMessage
	if err := json.Unmarshal(f.Properties, &props); err != nil || props == nil {
		add("properties", "want an object with %s", strings.Join(incidentProperties, ", "))
		return in, false
	}
	var err error
	if in.Lon, in.Lat, err = readPoint(f.Geometry); err != nil {
		add("geometry", "%v", err)
	}
	for _, name := range slices.Sorted(maps.Keys(props)) {
		if !slices.Contains(incidentProperties, name) {
			add(name, "unknown property; properties are %s", strings.Join(incidentProperties, ", "))
		}
	}
	fields := map[string]*string{"type": &in.Type, "occurred_at": &in.OccurredAt, "description": &in.Description, "source": &in.Source, "phase": &in.Phase}
	for _, name := range incidentProperties {
		v, ok := props[name]
		if !ok || string(v) == "null" {
			continue // Check reports a missing required property
		}
		if err := json.Unmarshal(v, fields[name]); err != nil {
			add(name, "want a string, not %s", v)
		}
	}
	return in, true
}

// readPoint reads a GeoJSON Point's longitude and latitude (a height, if given, is ignored).
func readPoint(raw json.RawMessage) (float64, float64, error) {
	var g struct {
		Type        string            `json:"type"`
		Coordinates []json.RawMessage `json:"coordinates"`
	}
	if err := json.Unmarshal(raw, &g); err != nil || g.Type == "" {
		return 0, 0, errors.New("want a Point geometry")
	}
	if g.Type != "Point" {
		return 0, 0, fmt.Errorf("a %s; incidents are Points", g.Type)
	}
	if n := len(g.Coordinates); n != 2 && n != 3 {
		return 0, 0, fmt.Errorf("a Point has 2 coordinates (lon, lat), not %d", n)
	}
	var lonLat [2]float64
	for i := range lonLat {
		v, err := readNumber(g.Coordinates[i])
		if err != nil {
			return 0, 0, err
		}
		lonLat[i] = v
	}
	return lonLat[0], lonLat[1], nil
}

// readNumber reads a JSON number as a finite float64.
func readNumber(raw json.RawMessage) (float64, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || (raw[0] != '-' && (raw[0] < '0' || raw[0] > '9')) {
		return 0, fmt.Errorf("coordinate %s is not a number", raw)
	}
	v, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || math.IsInf(v, 0) {
		return 0, fmt.Errorf("coordinate %s is not a finite number", raw)
	}
	return v, nil
}

// IncidentColumns are the columns of an incidents CSV file; the header names
// them, in any order. description and phase may be left out.
var IncidentColumns = []string{"type", "occurred_at", "lon", "lat", "description", "source", "phase"}

// ReadIncidentsCSV reads an incidents CSV (UTF-8, comma-separated, a header
// line naming IncidentColumns first). Problems are located by line (and the
// report's 1-based position); a file whose quoting is broken is an error.
func ReadIncidentsCSV(r io.Reader) (IncidentBatch, error) {
	var batch IncidentBatch
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	column, problems, err := readCSVHeader(cr, IncidentColumns, optionalIncidentProperties)
	if err != nil || len(problems) > 0 {
		batch.Problems = problems
		return batch, err
	}
	for item := 1; ; item++ {
		record, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return IncidentBatch{}, err // broken quoting makes the rest unreadable
		}
		if item > MaxIncidentBatch {
			return IncidentBatch{Problems: []InputProblem{{Reason: fmt.Sprintf("more than %d incidents in one batch", MaxIncidentBatch)}}}, nil
		}
		line, _ := cr.FieldPos(0)
		in := IncidentInput{Item: item, Line: line}
		if len(record) != len(column) {
			batch.Problems = append(batch.Problems, in.problem("", "%d fields; the header has %d", len(record), len(column)))
			continue
		}
		field := func(name string) string { return column.value(record, name) }
		in.Type, in.OccurredAt, in.Description, in.Source, in.Phase =
			field("type"), field("occurred_at"), field("description"), field("source"), field("phase")
		for _, c := range []struct {
			name string
			v    *float64
		}{{"lon", &in.Lon}, {"lat", &in.Lat}} {
			s := field(c.name)
			v, err := strconv.ParseFloat(s, 64)
			switch {
			case s == "":
				in.ReadProblems = append(in.ReadProblems, in.problem(c.name, "missing"))
			case err != nil || math.IsInf(v, 0) || math.IsNaN(v):
				in.ReadProblems = append(in.ReadProblems, in.problem(c.name, "%q is not a finite number", s))
			}
			*c.v = v
		}
		batch.Incidents = append(batch.Incidents, in)
	}
	return batch, nil
}

// TimeRange is a half-open range of instants [From, Until); a nil end is open.
type TimeRange struct{ From, Until *time.Time }

// ParseTimeRange reads an OGC API datetime: an instant or an interval
// start/end whose ends may be open (".." or empty). A date stands for its
// whole day in WIB; a date-time must carry its offset. Interval ends are
// inclusive, as OGC API - Features has them.
func ParseTimeRange(s string) (TimeRange, error) {
	start, end, isInterval := strings.Cut(s, "/")
	if !isInterval {
		from, until, err := parseInstant(s)
		return TimeRange{&from, &until}, err
	}
	if strings.Contains(end, "/") {
		return TimeRange{}, fmt.Errorf("%q: an interval is start/end", s)
	}
	var r TimeRange
	if start != ".." && start != "" {
		from, _, err := parseInstant(start)
		if err != nil {
			return TimeRange{}, err
		}
		r.From = &from
	}
	if end != ".." && end != "" {
		_, until, err := parseInstant(end)
		if err != nil {
			return TimeRange{}, err
		}
		r.Until = &until
	}
	switch {
	case r.From == nil && r.Until == nil:
		return TimeRange{}, fmt.Errorf("%q: an interval needs at least one end", s)
	case r.From != nil && r.Until != nil && !r.From.Before(*r.Until):
		return TimeRange{}, fmt.Errorf("%q: the interval ends before it starts", s)
	}
	return r, nil
}

// parseInstant reads a date (its whole day in WIB) or a date-time (that
// microsecond, the precision times are stored with) as a half-open range.
func parseInstant(s string) (time.Time, time.Time, error) {
	if d, err := time.ParseInLocation(time.DateOnly, s, WIB); err == nil {
		return d, d.AddDate(0, 0, 1), nil
	}
	t, reason := parseOccurredAt(s)
	if reason != "" {
		if strings.Contains(s, " ") {
			reason += " (a + in a URL must be written %2B)"
		}
		return time.Time{}, time.Time{}, errors.New(reason)
	}
	t = t.Truncate(time.Microsecond)
	return t, t.Add(time.Microsecond), nil
}
