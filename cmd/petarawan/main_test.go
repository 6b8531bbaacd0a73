package main

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/petarawan/petarawan/data/datatest"
)

func TestMain(m *testing.M) { datatest.Main(m) }

// badFile writes a boundary file whose second feature is a LineString.
func badFile(t *testing.T) string {
	t.Helper()
	bad := filepath.Join(t.TempDir(), "bad.geojson")
	err := os.WriteFile(bad, []byte(`{"type":"FeatureCollection","features":[
		{"type":"Feature","properties":{"kode":"36.01.01.2001","nama":"Satu"},"geometry":{"type":"Polygon","coordinates":[[[105,-6],[105.1,-6],[105.1,-6.1],[105,-6]]]}},
		{"type":"Feature","properties":{"kode":"36.01.01.2002","nama":"Dua"},"geometry":{"type":"LineString","coordinates":[[105,-6],[105.1,-6]]}}]}`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	return bad
}

func TestCommandLineErrorsNameTheFileFeatureAndReason(t *testing.T) {
	t.Setenv("DATABASE_URL", datatest.NewDatabase(t))
	bad := badFile(t)
	dir := filepath.Dir(bad)
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"import", "boundaries", bad}, []string{"database unchanged", bad, "feature 1", "36.01.01.2002", "LineString"}},
		{[]string{"import", "boundaries", filepath.Join(dir, "missing.geojson")}, []string{"missing.geojson", "no such file"}},
		{[]string{"import", "boundaries"}, []string{"name at least one GeoJSON file"}},
		{[]string{"seed", "demo", "--everything"}, []string{"--everything"}},
	}
	for _, c := range cases {
		err := run(context.Background(), c.args)
		if err == nil {
			t.Errorf("%v: no error", c.args)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %q does not mention %q", c.args, err, w)
			}
		}
	}
	if err := run(context.Background(), []string{"frobnicate"}); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("an unknown command gives %v, want the usage", err)
	}
}

func TestCommandsNeedADatabaseURL(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	err := run(context.Background(), []string{"migrate"})
	if err == nil || !strings.Contains(err.Error(), "DATABASE_URL is not set") {
		t.Errorf("got %v", err)
	}
}

func TestConfigurationIsCheckedAtStart(t *testing.T) {
	for name, value := range map[string]string{"PETARAWAN_STATEMENT_TIMEOUT": "soon", "PETARAWAN_MAX_CONNS": "-3"} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, value)
			if err := run(context.Background(), []string{"migrate"}); err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("%s=%s: got %v, want an error naming the variable", name, value, err)
			}
		})
	}
}

func TestIfEmptyLoadsOnlyAnEmptyDatabase(t *testing.T) {
	t.Setenv("DATABASE_URL", datatest.NewDatabase(t))
	ctx := context.Background()
	bad := badFile(t)
	if err := run(ctx, []string{"import", "boundaries", "--if-empty", bad}); err == nil {
		t.Fatal("an empty database did not import the (bad) file")
	}
	if err := run(ctx, append([]string{"import", "boundaries", "--if-empty"}, datatest.BantenFiles()...)); err != nil {
		t.Fatal(err)
	}
	// Loaded now: the bad file is not even read.
	if err := run(ctx, []string{"import", "boundaries", "--if-empty", bad}); err != nil {
		t.Errorf("--if-empty read a file into a loaded database: %v", err)
	}
	if err := run(ctx, []string{"seed", "demo", "--if-empty"}); err != nil {
		t.Fatal(err)
	}
}
