package geo

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// InputProblem is one reason an input (an item of a batch, a line of a CSV
// file) was refused.
type InputProblem struct {
	// Item is the 1-based position of the offending item in a batch.
	Item int `json:"item,omitempty"`
	// Line is the line of a CSV file or body, when the input was CSV.
	Line   int    `json:"line,omitempty"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
}

func (p InputProblem) String() string {
	var where []string
	if p.Line > 0 {
		where = append(where, fmt.Sprintf("line %d", p.Line))
	} else if p.Item > 0 {
		where = append(where, fmt.Sprintf("item %d", p.Item))
	}
	if p.Field != "" {
		where = append(where, p.Field)
	}
	if len(where) == 0 {
		return p.Reason
	}
	return strings.Join(where, ", ") + ": " + p.Reason
}

// Sources are the sources an observation or incident may come from. Demo
// data is marked "demo", which only the demo seeding writes.
var Sources = []string{"bawaslu", "polres", "kpu", "media"}

// DemoSource marks the inputs petarawan seed demo generates.
const DemoSource = "demo"

// sourceProblem explains why s is not an acceptable source, or "".
func sourceProblem(s string) string {
	switch {
	case s == "":
		return "missing; one of " + strings.Join(Sources, ", ")
	case s == DemoSource:
		return `"demo" is reserved for generated demo data`
	case !slices.Contains(Sources, s):
		return fmt.Sprintf("%q is not one of %s", s, strings.Join(Sources, ", "))
	}
	return ""
}

// csvColumns are the positions of a CSV file's columns, by name.
type csvColumns map[string]int

// readCSVHeader reads the header line of a CSV file whose columns are named
// from columns, in any order; those in optional may be left out. An empty
// file and what is wrong with the header come as problems on line 1; a
// header that cannot be read at all is an error.
func readCSVHeader(cr *csv.Reader, columns []string, optional map[string]bool) (csvColumns, []InputProblem, error) {
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, []InputProblem{{Line: 1, Reason: "the file is empty; want a header line: " + strings.Join(columns, ",")}}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	var problems []InputProblem
	column := csvColumns{}
	for i, name := range header {
		name = strings.TrimSpace(name)
		if i == 0 {
			name = strings.TrimPrefix(name, "\ufeff") // spreadsheets write a byte order mark
		}
		switch _, dup := column[name]; {
		case !slices.Contains(columns, name):
			problems = append(problems, InputProblem{Line: 1, Field: name, Reason: "unknown column; columns are " + strings.Join(columns, ", ")})
		case dup:
			problems = append(problems, InputProblem{Line: 1, Field: name, Reason: "column appears twice"})
		}
		column[name] = i
	}
	for _, name := range columns {
		if _, ok := column[name]; !ok && !optional[name] {
			problems = append(problems, InputProblem{Line: 1, Field: name, Reason: "column is missing; columns are " + strings.Join(columns, ", ")})
		}
	}
	return column, problems, nil
}

// value is a record's value in the named column, trimmed; "" when the file has no such column.
func (c csvColumns) value(record []string, name string) string {
	if i, ok := c[name]; ok {
		return strings.TrimSpace(record[i])
	}
	return ""
}
