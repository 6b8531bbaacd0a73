package data

import (
	"strings"

	"github.com/petarawan/petarawan/geo"
)

// InvalidInput is a write refused for what it contains; nothing was written.
type InvalidInput struct{ Problems []geo.InputProblem }

func (e *InvalidInput) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.String()
	}
	return strings.Join(msgs, "; ")
}
