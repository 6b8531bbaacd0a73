package data

import (
	"context"
	"sync"
	"time"

	"github.com/petarawan/petarawan/geo"
)

// Election is an election with its phases in order.
type Election struct {
	Code      string
	Name      string
	VotingDay time.Time
	Phases    []Phase
}

// Phase is one phase of an election, with its dates (both inclusive).
type Phase struct {
	Code     string
	Name     string
	StartsOn time.Time
	EndsOn   time.Time
}

// electionsTTL bounds how long Elections answers from memory. Elections
// change only by migration, so a running server sees a new one this late at most.
const electionsTTL = 30 * time.Second

type electionCache struct {
	mu      sync.Mutex
	list    []Election
	fetched time.Time
}

// Elections lists the elections, latest voting day first, each with its
// phases in order. Every request asks for them, so they are kept in memory
// for electionsTTL.
func (s *Store) Elections(ctx context.Context) ([]Election, error) {
	s.elections.mu.Lock()
	defer s.elections.mu.Unlock()
	if s.elections.list != nil && time.Since(s.elections.fetched) < electionsTTL {
		return s.elections.list, nil
	}
	list, err := s.queryElections(ctx)
	if err != nil {
		return nil, err
	}
	s.elections.list, s.elections.fetched = list, time.Now()
	return list, nil
}

func (s *Store) queryElections(ctx context.Context) ([]Election, error) {
	rows, err := s.read.Query(ctx, `
		SELECT e.code, e.name, e.voting_day, p.code, p.name, p.starts_on, p.ends_on
		FROM election e JOIN election_phase p ON p.election_code = e.code
		ORDER BY e.voting_day DESC, e.code, p.seq`)
	if err != nil {
		return nil, err
	}
	var out []Election
	for rows.Next() {
		var e Election
		var p Phase
		if err := rows.Scan(&e.Code, &e.Name, &e.VotingDay, &p.Code, &p.Name, &p.StartsOn, &p.EndsOn); err != nil {
			return nil, err
		}
		if n := len(out); n == 0 || out[n-1].Code != e.Code {
			out = append(out, e)
		}
		out[len(out)-1].Phases = append(out[len(out)-1].Phases, p)
	}
	return out, rows.Err()
}

// ElectionPhases lists the phases of elections as geo.PhaseAt takes them:
// the elections in the order given (Elections lists the latest first), each
// election's phases in order.
func ElectionPhases(elections []Election) []geo.ElectionPhase {
	var out []geo.ElectionPhase
	for _, e := range elections {
		for _, p := range e.Phases {
			out = append(out, geo.ElectionPhase{Election: e.Code, Phase: p.Code, StartsOn: p.StartsOn, EndsOn: p.EndsOn})
		}
	}
	return out
}
