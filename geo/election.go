package geo

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// WIB is Western Indonesia Time (UTC+7), the KPU's reference for the dates of
// the election phases.
var WIB = time.FixedZone("WIB", 7*3600)

// ElectionPhase is one phase of an election with its calendar days in WIB,
// both inclusive.
type ElectionPhase struct {
	Election, Phase string
	// StartsOn and EndsOn are dates: their year, month and day count.
	StartsOn, EndsOn time.Time
}

// wibDay is the calendar day of t in WIB, as a date at midnight UTC.
func wibDay(t time.Time) time.Time {
	y, m, d := t.In(WIB).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func dateOnly(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// Contains tells whether the phase's days include the WIB day of t.
func (p ElectionPhase) Contains(t time.Time) bool {
	day := wibDay(t)
	return !day.Before(dateOnly(p.StartsOn)) && !day.After(dateOnly(p.EndsOn))
}

// PhaseAt assigns an incident at t to the election phase whose days contain
// t's day in WIB. phases lists the elections' phases, the latest election
// first and each election's phases in order. Where phases overlap (in Pemilu
// 2024, 14 February is both pemungutan_suara and penghitungan), the first
// listed wins, unless named names one of them. A named phase must contain
// that day. The problem, if any, names the field at fault.
func PhaseAt(phases []ElectionPhase, t time.Time, named string) (ElectionPhase, *InputProblem) {
	day := wibDay(t).Format(time.DateOnly)
	var containing []ElectionPhase
	for _, p := range phases {
		if p.Contains(t) {
			containing = append(containing, p)
		}
	}
	if len(containing) == 0 {
		return ElectionPhase{}, &InputProblem{Field: "occurred_at", Reason: fmt.Sprintf("%s (WIB) is outside the election: no phase contains it (%s)", day, electionSpans(phases))}
	}
	if named == "" {
		return containing[0], nil
	}
	for _, p := range containing {
		if p.Phase == named {
			return p, nil
		}
	}
	var names, codes []string
	for _, p := range containing {
		names = append(names, p.Phase)
	}
	for _, p := range phases {
		if !slices.Contains(codes, p.Phase) {
			codes = append(codes, p.Phase)
		}
	}
	if !slices.Contains(codes, named) {
		return ElectionPhase{}, &InputProblem{Field: "phase", Reason: fmt.Sprintf("unknown phase %q; phases are %s", named, strings.Join(codes, ", "))}
	}
	return ElectionPhase{}, &InputProblem{Field: "phase", Reason: fmt.Sprintf("phase %s does not contain %s (WIB), the day of occurred_at; that day is in %s", named, day, strings.Join(names, ", "))}
}

// electionSpans describes the days each election runs, for a message.
func electionSpans(phases []ElectionPhase) string {
	if len(phases) == 0 {
		return "no election is defined"
	}
	type span struct{ first, last time.Time }
	var order []string
	spans := map[string]*span{}
	for _, p := range phases {
		s := spans[p.Election]
		if s == nil {
			s = &span{dateOnly(p.StartsOn), dateOnly(p.EndsOn)}
			spans[p.Election] = s
			order = append(order, p.Election)
		}
		if p.StartsOn.Before(s.first) {
			s.first = dateOnly(p.StartsOn)
		}
		if p.EndsOn.After(s.last) {
			s.last = dateOnly(p.EndsOn)
		}
	}
	var out []string
	for _, e := range order {
		out = append(out, fmt.Sprintf("%s runs %s to %s", e, spans[e].first.Format(time.DateOnly), spans[e].last.Format(time.DateOnly)))
	}
	return strings.Join(out, "; ")
}
