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
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	Role      Role       `json:"role"`
	CreatedAt time.Time  `json:"created_at"`
	CreatedBy string     `json:"created_by"`
	RevokedAt *time.Time `json:"revoked_at"`
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
	err := s.read.QueryRow(ctx, `SELECT name, role FROM api_token WHERE hash = $1 AND revoked_at IS NULL`, hashToken(secret)).Scan(&a.Name, &a.Role)
	if errors.Is(err, pgx.ErrNoRows) {
		return Actor{}, ErrInvalidToken
	}
	return a, err
}

// CreateToken makes a token and returns its secret, which is stored only as a hash.
func (s *Store) CreateToken(ctx context.Context, by Actor, name string, role Role) (Token, string, error) {
	if !tokenNamePattern.MatchString(name) {
		return Token{}, "", &InvalidInput{Problems: []geo.InputProblem{{Field: "name", Reason: "a token name is 1-64 letters, digits or _ . @ -"}}}
	}
	if _, ok := ParseRole(string(role)); !ok {
		return Token{}, "", &InvalidInput{Problems: []geo.InputProblem{{Field: "role", Reason: fmt.Sprintf("role %q is not one of viewer, editor, admin", role)}}}
	}
	random := make([]byte, 32)
	if _, err := rand.Read(random); err != nil {
		return Token{}, "", err
	}
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(random)
	t := Token{Name: name, Role: role, CreatedBy: by.Name}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			INSERT INTO api_token (name, role, hash, created_by) VALUES ($1, $2, $3, $4)
			ON CONFLICT (name) DO NOTHING
			RETURNING id, created_at`, name, string(role), hashToken(secret), by.Name).Scan(&t.ID, &t.CreatedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return &InvalidInput{Problems: []geo.InputProblem{{Field: "name", Reason: fmt.Sprintf("a token named %q exists already", name)}}}
		}
		if err != nil {
			return err
		}
		return audit(ctx, tx, by, "token.create", "token/"+name, nil, t)
	})
	if err != nil {
		return Token{}, "", err
	}
	return t, secret, nil
}

// RevokeToken revokes the live token of that name; revoking twice is ErrNotFound.
func (s *Store) RevokeToken(ctx context.Context, by Actor, name string) (Token, error) {
	var t Token
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			UPDATE api_token SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL
			RETURNING id, name, role, created_at, created_by, revoked_at`, name).
			Scan(&t.ID, &t.Name, &t.Role, &t.CreatedAt, &t.CreatedBy, &t.RevokedAt)
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
	rows, err := s.read.Query(ctx, `SELECT id, name, role, created_at, created_by, revoked_at FROM api_token ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Token, error) {
		var t Token
		err := r.Scan(&t.ID, &t.Name, &t.Role, &t.CreatedAt, &t.CreatedBy, &t.RevokedAt)
		return t, err
	})
}
