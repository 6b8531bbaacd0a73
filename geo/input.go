package geo

import (
	"fmt"
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
