package data

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/petarawan/petarawan/geo"
)

// Token is an API token as stored: never its secret, which only its creator sees once.
type Token struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Role Role   `json:"role"`
	// Jurisdiction is where the token may write (and read, with ScopedReads); null: everywhere.
	Jurisdiction geo.Jurisdiction `json:"jurisdiction"`
	ScopedReads  bool             `json:"scoped_reads"`
	CreatedAt    time.Time        `json:"created_at"`
	CreatedBy    string           `json:"created_by"`
	RevokedAt    *time.Time       `json:"revoked_at"`
}

// tokenPrefix marks petarawan's secrets, so that they are easy to find in a leaked file.
const tokenPrefix = "prw_"

// ErrInvalidToken is a token that is unknown, malformed or revoked.
var ErrInvalidToken = errors.New("invalid or revoked token")

// tokenNamePattern is what the api_token table accepts as a name.
var tokenNamePattern = regexp.MustCompile(`^[A-Za-z0-9_.@-]{1,64}$`)

func hashToken(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// Authenticate finds the live token whose secret this is.
func (s *Store) Authenticate(ctx context.Context, secret string) (Actor, error) {
	if !strings.HasPrefix(secret, tokenPrefix) {
		return Actor{}, ErrInvalidToken
	}
	var a Actor
	err := s.read.QueryRow(ctx, `SELECT name, role, jurisdiction, scoped_reads FROM api_token WHERE hash = $1 AND revoked_at IS NULL`,
		hashToken(secret)).Scan(&a.Name, &a.Role, &a.Jurisdiction, &a.ScopedReads)
	if errors.Is(err, pgx.ErrNoRows) {
		return Actor{}, ErrInvalidToken
	}
	return a, err
}

// TokenSpec is what a new token is to be.
type TokenSpec struct {
	Name string `json:"name"`
	Role Role   `json:"role"`
	// Jurisdiction lists admin codes of any level, desa included (none: everywhere).
	Jurisdiction []string `json:"jurisdiction"`
	// ScopedReads limits the token's reads to its jurisdiction too.
	ScopedReads bool `json:"scoped_reads"`
}

// CreateToken makes a token and returns its secret, which is stored only as a hash.
func (s *Store) CreateToken(ctx context.Context, by Actor, spec TokenSpec) (Token, string, error) {
	var problems []geo.InputProblem
	add := func(field, format string, a ...any) {
		problems = append(problems, geo.InputProblem{Field: field, Reason: fmt.Sprintf(format, a...)})
	}
	if !tokenNamePattern.MatchString(spec.Name) {
		add("name", "a token name is 1-64 letters, digits or _ . @ -")
	}
	if _, ok := ParseRole(string(spec.Role)); !ok {
		add("role", "role %q is not one of viewer, editor, admin", spec.Role)
	}
	var jurisdiction geo.Jurisdiction
	switch {
	case spec.Jurisdiction == nil && spec.ScopedReads:
		add("scoped_reads", "scoped reads need a jurisdiction to read in")
	case spec.Jurisdiction == nil:
	case spec.Role == Admin:
		add("jurisdiction", "an admin token changes the catalogue and tokens for everyone: give jurisdictions to viewer and editor tokens")
	default:
		var err error
		if jurisdiction, err = geo.ParseJurisdiction(spec.Jurisdiction); err != nil {
			add("jurisdiction", "%v", err)
		}
	}
	if len(problems) > 0 {
		return Token{}, "", &InvalidInput{Problems: problems}
	}
	random := make([]byte, 32)
	if _, err := rand.Read(random); err != nil {
		return Token{}, "", err
	}
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(random)
	t := Token{Name: spec.Name, Role: spec.Role, Jurisdiction: jurisdiction, ScopedReads: spec.ScopedReads, CreatedBy: by.Name}
	var codes []string
	if jurisdiction != nil {
		codes = jurisdiction.Strings()
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := unitsExist(ctx, tx, "jurisdiction", codes); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `
			INSERT INTO api_token (name, role, hash, created_by, jurisdiction, scoped_reads) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (name) DO NOTHING
			RETURNING id, created_at`, spec.Name, string(spec.Role), hashToken(secret), by.Name, codes, spec.ScopedReads).Scan(&t.ID, &t.CreatedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return &InvalidInput{Problems: []geo.InputProblem{{Field: "name", Reason: fmt.Sprintf("a token named %q exists already", spec.Name)}}}
		}
		if err != nil {
			return err
		}
		return audit(ctx, tx, by, "token.create", "token/"+spec.Name, nil, t)
	})
	if err != nil {
		return Token{}, "", err
	}
	return t, secret, nil
}

// unitsExist refuses the codes that name no admin unit, as a problem of field.
func unitsExist(ctx context.Context, tx pgx.Tx, field string, codes []string) error {
	rows, err := tx.Query(ctx, `SELECT c FROM unnest($1::text[]) AS c WHERE NOT EXISTS (SELECT FROM admin_unit u WHERE u.code = c) ORDER BY c`, codes)
	if err != nil {
		return err
	}
	missing, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(missing) == 0 {
		return err
	}
	problems := make([]geo.InputProblem, len(missing))
	for i, c := range missing {
		problems[i] = geo.InputProblem{Field: field, Reason: fmt.Sprintf("no admin unit has code %s", c)}
	}
	return &InvalidInput{Problems: problems}
}

// RevokeToken revokes the live token of that name; revoking twice is ErrNotFound.
func (s *Store) RevokeToken(ctx context.Context, by Actor, name string) (Token, error) {
	var t Token
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			UPDATE api_token SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL
			RETURNING `+tokenColumns, name).Scan(t.fields()...)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		before := t
		before.RevokedAt = nil
		return audit(ctx, tx, by, "token.revoke", "token/"+name, before, t)
	})
	return t, err
}

// Tokens lists every token, revoked ones included, oldest first.
func (s *Store) Tokens(ctx context.Context) ([]Token, error) {
	rows, err := s.read.Query(ctx, `SELECT `+tokenColumns+` FROM api_token ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Token, error) {
		var t Token
		err := r.Scan(t.fields()...)
		return t, err
	})
}

// tokenColumns are the stored columns of a Token, in the order of fields.
const tokenColumns = `id, name, role, jurisdiction, scoped_reads, created_at, created_by, revoked_at`

func (t *Token) fields() []any {
	return []any{&t.ID, &t.Name, &t.Role, &t.Jurisdiction, &t.ScopedReads, &t.CreatedAt, &t.CreatedBy, &t.RevokedAt}
}
