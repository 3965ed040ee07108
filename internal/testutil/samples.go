// Package testutil holds helpers shared by the project's tests: locating the
// real Pegasus samples, Pegasus's schemas and the repository root.
package testutil

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// RepoRoot returns the directory holding go.mod, walking up from the working
// directory (a Go test runs in its package folder).
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// SamplesDir returns the folder of real Pegasus submit directories: $PEGASUS_SAMPLES,
// else ../shared/pegasus-samples beside the repository root. The test is skipped,
// with a message saying where it looked, when the folder is absent.
func SamplesDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("PEGASUS_SAMPLES")
	if dir == "" {
		dir = filepath.Join(RepoRoot(t), "..", "shared", "pegasus-samples")
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Skipf("Pegasus samples not found at %s (set PEGASUS_SAMPLES): skipping conformance test", dir)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// SchemasDir returns the folder of Pegasus's XML schemas (DAX, site catalog,
// kickstart records): $PEGASUS_SCHEMAS, else ../shared/spec/schemas beside
// the repository root. ok is false when the folder is absent; the caller
// then skips its schema validation and says so with the path it looked at.
func SchemasDir(t testing.TB) (dir string, ok bool) {
	t.Helper()
	dir = os.Getenv("PEGASUS_SCHEMAS")
	if dir == "" {
		dir = filepath.Join(RepoRoot(t), "..", "shared", "spec", "schemas")
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return dir, false
	}
	return dir, true
}

// Sample returns the path of one sample submit directory (e.g. "process_wf_failure").
// It fails the test if the samples folder exists but the sample does not.
func Sample(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(SamplesDir(t), name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("sample %s missing from the samples folder: %v", name, err)
	}
	return p
}

// SampleRuns lists the sample run folders that carry an expected/ directory.
func SampleRuns(t testing.TB) []string {
	t.Helper()
	root := SamplesDir(t)
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var runs []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, e.Name(), "expected")); err == nil {
			runs = append(runs, e.Name())
		}
	}
	if len(runs) == 0 {
		t.Fatalf("no sample runs with expected/ under %s", root)
	}
	return runs
}

// CopyTree copies a directory (the samples are read-only) into a temporary
// directory, leaving out expected/.
func CopyTree(t testing.TB, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if rel == "expected" || strings.HasPrefix(rel, "expected"+string(filepath.Separator)) {
			if fi.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		target := filepath.Join(dst, rel)
		if fi.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			l, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(l, target)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// ListDir returns the names of the entries of dir, sorted.
func ListDir(t testing.TB, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}
