package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// recq serve runs recq-serve with its arguments as given, and exits with
// its exit code.
func TestServeRunsRecqServe(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the fake server is a shell script")
	}
	dir := t.TempDir()
	fake := filepath.Join(dir, "recq-serve")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho \"args: $*\"\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	var out, errs bytes.Buffer
	e := &env{stdout: &out, stderr: &errs, getenv: func(k string) string { return map[string]string{"RECQ_SERVE": fake}[k] }}
	code := run([]string{"serve", "--data", "d", "--listen", "127.0.0.1:0", "--token", "t", "--help"}, e)
	if code != 3 || out.String() != "args: --data d --listen 127.0.0.1:0 --token t --help\n" || errs.Len() != 0 {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out.String(), errs.String())
	}
}

// Without recq-serve, recq serve says how to get it.
func TestServeWithoutRecqServe(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	var out, errs bytes.Buffer
	e := &env{stdout: &out, stderr: &errs}
	code := run([]string{"serve", "--data", "../../testdata"}, e)
	if code != 1 || !strings.Contains(errs.String(), "go install github.com/recq/recq/cmd/recq-serve@latest") {
		t.Errorf("exit %d, stderr %q", code, errs.String())
	}
}
