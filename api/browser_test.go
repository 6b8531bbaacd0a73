package api_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/petarawan/petarawan/data/datatest"
)

// TestBrowser runs the map's browser test (frontend/test/map.test.js: node's
// test runner, playwright-core driving Debian's chromium) against the API over
// the Banten sample. Screenshots land in artifacts/browser/.
func TestBrowser(t *testing.T) {
	node, chromium := browserTools(t)
	srv := newServer(t)
	dir := filepath.Join(datatest.RepoRoot(), "frontend", "test")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	if _, err := os.Stat(filepath.Join(dir, "node_modules", "playwright-core")); err != nil {
		// playwright-core alone, as locked: it never downloads a browser.
		runIn(ctx, t, dir, nil, "npm", "ci", "--no-audit", "--no-fund")
	}
	runIn(ctx, t, dir, []string{
		"PETARAWAN_URL=" + srv.URL,
		"CHROMIUM_PATH=" + chromium,
		"ARTIFACTS_DIR=" + filepath.Join(datatest.RepoRoot(), "artifacts", "browser"),
	}, node, "--test", "map.test.js")
}

// browserTools finds node and chromium (PETARAWAN_CHROMIUM, else chromium on
// the PATH): missing, the test skips, except under CI.
func browserTools(t *testing.T) (node, chromium string) {
	t.Helper()
	missing := func(what string) {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing: make test installs it (scripts/bootstrap.sh, as root)", what)
		}
		t.Skipf("%s is missing: the map's browser test needs it; run make test as root to install it, or apt-get install chromium nodejs npm", what)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node (Debian package nodejs)")
	}
	if _, err := exec.LookPath("npm"); err != nil {
		missing("npm (Debian package npm)")
	}
	chromium = os.Getenv("PETARAWAN_CHROMIUM")
	if chromium == "" {
		chromium = "chromium"
	}
	if chromium, err = exec.LookPath(chromium); err != nil {
		missing("chromium (Debian package chromium)")
	}
	return node, chromium
}

// runIn runs a command in dir with extra environment variables and fails the
// test with its output when it fails; the output is logged either way.
func runIn(ctx context.Context, t *testing.T, dir string, env []string, name string, args ...string) {
	t.Helper()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	t.Logf("%s %v:\n%s", name, args, out)
	if err != nil {
		t.Fatalf("%s %v in %s: %v", name, args, dir, err)
	}
}
