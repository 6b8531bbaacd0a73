package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/petarawan/petarawan/data"
)

// tokenCommand runs petarawan token create|revoke|list.
func tokenCommand(ctx context.Context, cfg config, args []string) error {
	if len(args) == 0 {
		return errors.New("token: want create --role viewer|editor|admin [--jurisdiction CODES [--scoped-reads]] NAME, revoke NAME or list")
	}
	run := map[string]func(context.Context, *data.Store, []string) error{
		"create": createToken, "revoke": revokeToken, "list": listTokens,
	}[args[0]]
	if run == nil {
		return fmt.Errorf("token: unknown subcommand %q; want create, revoke or list", args[0])
	}
	store, _, err := cfg.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	return run(ctx, store, args[1:])
}

// createToken makes a token and prints its secret, the one time it is shown.
func createToken(ctx context.Context, store *data.Store, args []string) error {
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	roleName := fs.String("role", "", "viewer, editor or admin")
	jurisdiction := fs.String("jurisdiction", "", "comma-separated admin codes (any level, desa too) where the token may write")
	scopedReads := fs.Bool("scoped-reads", false, "the token reads only inside its jurisdiction too")
	var names []string
	for { // flags may come before or after the name
		if err := fs.Parse(args); err != nil {
			return fmt.Errorf("token create: %w", err)
		}
		if fs.NArg() == 0 {
			break
		}
		names = append(names, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(names) != 1 {
		return fmt.Errorf("token create: name one token (got %d names); usage: token create --role viewer|editor|admin [--jurisdiction CODES [--scoped-reads]] NAME", len(names))
	}
	if *roleName == "" {
		return errors.New("token create: --role is required: viewer, editor or admin")
	}
	role, ok := data.ParseRole(*roleName)
	if !ok {
		return fmt.Errorf("token create: role %q is not one of viewer, editor, admin", *roleName)
	}
	spec := data.TokenSpec{Name: names[0], Role: role, ScopedReads: *scopedReads}
	if *jurisdiction != "" {
		spec.Jurisdiction = strings.Split(*jurisdiction, ",")
	}
	t, secret, err := store.CreateToken(ctx, cliActor(), spec)
	if err != nil {
		return fmt.Errorf("token create: %w", err)
	}
	fmt.Printf("created token %s with role %s in %s\nsecret: %s\n", t.Name, t.Role, where(t), secret)
	fmt.Println("Keep the secret now: petarawan stores only its hash, and it will not be shown again.")
	return nil
}

func revokeToken(ctx context.Context, store *data.Store, args []string) error {
	if len(args) != 1 {
		return errors.New("token revoke: name one token; usage: token revoke NAME")
	}
	name := args[0]
	t, err := store.RevokeToken(ctx, cliActor(), name)
	if errors.Is(err, data.ErrNotFound) {
		tokens, listErr := store.Tokens(ctx)
		for _, t := range tokens {
			if t.Name == name && t.RevokedAt != nil {
				return fmt.Errorf("token revoke: token %q was revoked already, at %s", name, t.RevokedAt.Format(time.RFC3339))
			}
		}
		return errors.Join(fmt.Errorf("token revoke: no token named %q (petarawan token list shows them)", name), listErr)
	}
	if err != nil {
		return fmt.Errorf("token revoke: %w", err)
	}
	fmt.Printf("revoked token %s (role %s); it is refused from now on\n", t.Name, t.Role)
	return nil
}

// listTokens prints every token, never a secret or a hash.
func listTokens(ctx context.Context, store *data.Store, args []string) error {
	if len(args) != 0 {
		return fmt.Errorf("token list: unexpected arguments %v", args)
	}
	tokens, err := store.Tokens(ctx)
	if err != nil {
		return err
	}
	if len(tokens) == 0 {
		fmt.Println("no tokens; make one with petarawan token create --role viewer|editor|admin NAME")
		return nil
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tROLE\tJURISDICTION\tCREATED\tCREATED BY\tREVOKED")
	for _, t := range tokens {
		revoked := "-"
		if t.RevokedAt != nil {
			revoked = t.RevokedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", t.Name, t.Role, where(t), t.CreatedAt.Format(time.RFC3339), t.CreatedBy, revoked)
	}
	return w.Flush()
}

// where says where a token acts.
func where(t data.Token) string {
	if t.Jurisdiction == nil {
		return "everywhere"
	}
	w := strings.Join(t.Jurisdiction.Strings(), ",")
	if t.ScopedReads {
		w += " (reads too)"
	}
	return w
}
