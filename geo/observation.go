package geo

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
)

// ObservationInput is an observation as submitted, before it is checked
// against the catalogue and the stored units.
type ObservationInput struct {
	Indicator string `json:"indicator"`
	// UnitCode is the desa's Kemendagri code, dotted or digits only.
	UnitCode string `json:"unit_code"`
	// TPS numbers the polling station of a TPS indicator (0: none).
	TPS      int      `json:"tps,omitempty"`
	Election string   `json:"election"`
	Phase    string   `json:"phase"`
	Value    *float64 `json:"value"`
	Source   string   `json:"source"`
	// ObservedAt is an RFC 3339 date-time with its offset.
	ObservedAt string `json:"observed_at"`
	Note       string `json:"note,omitempty"`
	// Line is the CSV line the observation was read from (0: not from CSV).
	Line int `json:"-"`
}

// MaxNoteLength bounds an observation's note, in characters.
const MaxNoteLength = 2000

// Check reports what is wrong with the observation on its own (formats,
// required fields), given the current time; item (its 1-based position in a
// batch) and its Line locate the problems. It returns the desa code and the
// observation time when there is no problem.
func (o ObservationInput) Check(now time.Time, item int) (Code, time.Time, []InputProblem) {
	var problems []InputProblem
	add := func(field, format string, a ...any) {
		problems = append(problems, InputProblem{Item: item, Line: o.Line, Field: field, Reason: fmt.Sprintf(format, a...)})
	}
	if o.Indicator == "" {
		add("indicator", "missing")
	}
	code, err := ParseCode(o.UnitCode)
	switch {
	case o.UnitCode == "":
		add("unit_code", "missing")
	case err != nil:
		add("unit_code", "%v", err)
	case code.Level() != Desa:
		add("unit_code", "%s is a %s code; observations are recorded per desa/kelurahan (10 digits)", code, code.Level())
	}
	if o.TPS < 0 || o.TPS > 9999 {
		add("tps", "TPS number %d is out of range 1-9999", o.TPS)
	}
	if o.Election == "" {
		add("election", "missing")
	}
	if o.Phase == "" {
		add("phase", "missing")
	}
	if o.Value == nil {
		add("value", "missing")
	} else if v := *o.Value; math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		add("value", "must be a finite number of at least 0, not %v", v)
	}
	if reason := sourceProblem(o.Source); reason != "" {
		add("source", "%s", reason)
	}
	at, err := time.Parse(time.RFC3339, o.ObservedAt)
	switch {
	case o.ObservedAt == "":
		add("observed_at", "missing")
	case err != nil:
		add("observed_at", "%q is not an RFC 3339 date-time with offset, such as 2024-02-10T09:30:00+07:00", o.ObservedAt)
	case at.After(now.Add(5 * time.Minute)):
		add("observed_at", "%s is in the future", o.ObservedAt)
	}
	if n := len([]rune(o.Note)); n > MaxNoteLength {
		add("note", "%d characters; at most %d", n, MaxNoteLength)
	}
	return code, at.UTC(), problems
}

// ObservationColumns are the columns of an observations CSV file; the header
// names them, in any order. tps and note may be left out.
var ObservationColumns = []string{"indicator", "unit_code", "tps", "election", "phase", "value", "source", "observed_at", "note"}

var optionalObservationColumns = map[string]bool{"tps": true, "note": true}

// ReadObservationsCSV reads an observations CSV (UTF-8, comma-separated, a
// header line first). It reads every line, returning the problems of the
// header or of every line it could not read; a file whose quoting is broken
// cannot be read further and is an error.
func ReadObservationsCSV(r io.Reader) ([]ObservationInput, []InputProblem, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 0
	column, problems, err := readCSVHeader(cr, ObservationColumns, optionalObservationColumns)
	if err != nil {
		return nil, nil, fmt.Errorf("line 1: %w", err)
	}
	if len(problems) > 0 {
		return nil, problems, nil
	}
	var out []ObservationInput
	for {
		record, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var parseErr *csv.ParseError
		if errors.As(err, &parseErr) {
			// A broken quote makes the rest of the file unreadable.
			return nil, nil, fmt.Errorf("line %d: %v", parseErr.Line, parseErr.Err)
		}
		if err != nil {
			return nil, nil, err
		}
		line, _ := cr.FieldPos(0)
		field := func(name string) string { return column.value(record, name) }
		o := ObservationInput{Line: line,
			Indicator: field("indicator"), UnitCode: field("unit_code"), Election: field("election"), Phase: field("phase"),
			Source: field("source"), ObservedAt: field("observed_at"), Note: field("note"),
		}
		if v := field("tps"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				problems = append(problems, InputProblem{Line: line, Field: "tps", Reason: fmt.Sprintf("%q is not a TPS number (1, 2, ...)", v)})
				continue
			}
			o.TPS = n
		}
		if v := field("value"); v != "" {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				problems = append(problems, InputProblem{Line: line, Field: "value", Reason: fmt.Sprintf("%q is not a number", v)})
				continue
			}
			o.Value = &x
		}
		out = append(out, o)
	}
	if len(out) == 0 && len(problems) == 0 {
		problems = append(problems, InputProblem{Line: 2, Reason: "no observations after the header"})
	}
	return out, problems, nil
}
