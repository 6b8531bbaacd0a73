package data

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/petarawan/petarawan/geo"
)

// Role is what a token may do; each role may do what the roles below it may.
type Role string

const (
	Viewer Role = "viewer" // read, when reads require a token
	Editor Role = "editor" // record observations and incidents
	Admin  Role = "admin"  // change the catalogue, weights, thresholds and tokens; read the audit log
)

// Roles lists the roles from least to most privileged.
var Roles = []Role{Viewer, Editor, Admin}

func (r Role) rank() int {
	for i, x := range Roles {
		if x == r {
			return i + 1
		}
	}
	return 0
}

// Allows tells whether role r may do what role need may.
func (r Role) Allows(need Role) bool { return r.rank() >= need.rank() && need.rank() > 0 }

// ParseRole reads a role's name.
func ParseRole(s string) (Role, bool) {
	r := Role(s)
	return r, r.rank() > 0
}

// Actor is who makes a write: a token (its name, role and jurisdiction) or the command line.
type Actor struct {
	Name string
	Role Role
	// Jurisdiction is where the actor may write (nil: everywhere).
	Jurisdiction geo.Jurisdiction
	// ScopedReads limits the actor's reads to its jurisdiction too.
	ScopedReads bool
}

// OutsideJurisdictionError refuses a write of an actor to desa outside its
// jurisdiction; nothing of the write was stored.
type OutsideJurisdictionError struct {
	Actor    string
	Problems []geo.InputProblem
}

func (e *OutsideJurisdictionError) Error() string {
	return fmt.Sprintf("token %s may write only inside its jurisdiction; %d item(s) fall outside it", e.Actor, len(e.Problems))
}

// outsideJurisdiction lists, as an *OutsideJurisdictionError, the items of
// a write whose desa lie outside the actor's jurisdiction (nil if none).
func (a Actor) outsideJurisdiction(items []geo.InputProblem, desa []geo.Code) error {
	var outside []geo.InputProblem
	for i, code := range desa {
		if !a.Jurisdiction.Contains(code) {
			p := items[i]
			p.Reason = fmt.Sprintf("desa %s is outside the jurisdiction of token %s (%s)", code, a.Name, strings.Join(a.Jurisdiction.Strings(), ", "))
			outside = append(outside, p)
		}
	}
	if len(outside) == 0 {
		return nil
	}
	return &OutsideJurisdictionError{Actor: a.Name, Problems: outside}
}

// audit records a write in the audit log, in the write's own transaction.
// before and after are marshalled to JSON (nil stays SQL NULL).
func audit(ctx context.Context, tx pgx.Tx, actor Actor, action, target string, before, after any) error {
	asJSON := func(v any) ([]byte, error) {
		if v == nil {
			return nil, nil
		}
		return json.Marshal(v)
	}
	b, err := asJSON(before)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	a, err := asJSON(after)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO audit_log (actor, role, action, target, before, after) VALUES ($1, $2, $3, $4, $5, $6)`,
		actor.Name, string(actor.Role), action, target, b, a)
	return err
}

// AuditEntry is one write as the audit log recorded it.
type AuditEntry struct {
	ID     int64           `json:"id"`
	At     time.Time       `json:"at"`
	Actor  string          `json:"actor"`
	Role   Role            `json:"role"`
	Action string          `json:"action"`
	Target string          `json:"target"`
	Before json.RawMessage `json:"before"`
	After  json.RawMessage `json:"after"`
}

// AuditQuery selects a page of the audit log; an empty Action or Actor selects every one.
type AuditQuery struct {
	Action, Actor string
	Limit, Offset int
}

// AuditLog lists audit entries, newest first.
func (s *Store) AuditLog(ctx context.Context, q AuditQuery) ([]AuditEntry, error) {
	rows, err := s.read.Query(ctx, `
		SELECT id, at, actor, role, action, target, before, after FROM audit_log
		WHERE ($1 = '' OR action = $1) AND ($2 = '' OR actor = $2)
		ORDER BY id DESC LIMIT $3 OFFSET $4`, q.Action, q.Actor, q.Limit, q.Offset)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[AuditEntry])
}
