package data

import (
	"fmt"
	"strings"
)

// InvalidInput is a write refused for what it contains; nothing was written.
type InvalidInput struct{ Problems []InputProblem }

// InputProblem is one reason a write was refused.
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

func (e *InvalidInput) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.String()
	}
	return strings.Join(msgs, "; ")
}
