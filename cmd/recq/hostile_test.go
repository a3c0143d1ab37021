package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The hostile input corpus (testdata/hostile, see its README) through the
// command: every malformed statement and every damaged data file makes
// recq exit 1 with the expected message on stderr, naming the file, and
// nothing panics.

const hostileDir = "../../testdata/hostile"

func runHostile(t *testing.T, args ...string) (code int, stderr string) {
	t.Helper()
	var out, errs bytes.Buffer
	code = run(args, &env{stdout: &out, stderr: &errs})
	if s := errs.String() + out.String(); strings.Contains(s, "panic") || strings.Contains(s, "internal error") {
		t.Errorf("%q: %s", args, s)
	}
	return code, errs.String()
}

func TestHostileSQLExitsOne(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(hostileDir, "sql.txt"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.SplitN(line, "|", 3)
		if len(parts) != 3 {
			t.Fatalf("sql.txt:%d: want class | message | SQL", i+1)
		}
		msg, sql := strings.TrimSpace(parts[1]), strings.TrimSpace(parts[2])
		if strings.Contains(msg, "where one was expected") {
			continue // the Go API's one-statement rule; -c runs scripts
		}
		code, stderr := runHostile(t, "--data", "../../testdata", "-c", sql)
		if code != 1 || !strings.Contains(stderr, msg) {
			t.Errorf("sql.txt:%d: %s\nexit %d, stderr %q; want exit 1 and %q", i+1, sql, code, stderr, msg)
		}
		n++
	}
	if n < 100 {
		t.Fatalf("only %d hostile statements", n)
	}
}

func TestHostileDataExitsOne(t *testing.T) {
	manifest, err := os.ReadFile(filepath.Join(hostileDir, "data", "MANIFEST"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i, line := range strings.Split(string(manifest), "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "|")
		for k := range f {
			f[k] = strings.TrimSpace(f[k])
		}
		if len(f) != 6 {
			t.Fatalf("MANIFEST:%d: want 6 fields", i+1)
		}
		file, layout, settings, class, msg := f[0], f[1], f[2], f[3], f[5]
		if class == "ok" || class == "notfound" {
			continue
		}
		// A copy of the file with its layout as the sidecar, queried by path.
		dir := t.TempDir()
		path := filepath.Join(dir, file)
		b, err := os.ReadFile(filepath.Join(hostileDir, "data", file))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(path, b, 0o644)
		if layout != "-" {
			ddl, err := os.ReadFile(filepath.Join(hostileDir, "data", layout))
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(path+".schema", ddl, 0o644)
		}
		var args []string
		if settings != "-" {
			for _, kv := range strings.Fields(settings) {
				name, value, _ := strings.Cut(kv, "=")
				args = append(args, "-c", "SET "+name+" = '"+value+"'")
			}
		}
		args = append(args, "-c", "SELECT * FROM '"+path+"'")
		code, stderr := runHostile(t, args...)
		if code != 1 || !strings.Contains(stderr, file) || (msg != "-" && !strings.Contains(stderr, msg)) {
			t.Errorf("MANIFEST:%d %s: exit %d, stderr %q; want exit 1 naming the file and %q", i+1, file, code, stderr, msg)
		}
		n++
	}
	if n < 20 {
		t.Fatalf("only %d damaged data files", n)
	}
}
