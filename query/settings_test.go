package query

import (
	"strings"
	"testing"
)

// TestMemoryLimitValues: SET memory_limit takes finite sizes of at least
// one byte that fit in an int64, or 'none'.
func TestMemoryLimitValues(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  int64  // when ok
		err   string // substring of the error, "" for ok
	}{
		{"512MB", 512 << 20, ""},
		{"1.5GB", 3 << 29, ""},
		{"1048576", 1 << 20, ""},
		{"none", NoMemoryLimit, ""},
		{"-1", NoMemoryLimit, ""},
		{"NaN", 0, "not a size"},
		{"Inf", 0, "not a size"},
		{"infinityGB", 0, "not a size"},
		{"0x10MB", 0, "not a size"},
		{"1e30GB", 0, "too large"},
		{"0.5B", 0, "less than one byte"},
		{"0", 0, "less than one byte"},
		{"-5MB", 0, "not a size"},
	} {
		s := DefaultSettings()
		err := s.Set("memory_limit", tc.value)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%q: %v", tc.value, err)
		case tc.err == "" && s.MemoryLimit != tc.want:
			t.Errorf("%q: limit %d, want %d", tc.value, s.MemoryLimit, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%q: error %v, want one containing %q (limit set to %d)", tc.value, err, tc.err, s.MemoryLimit)
		}
	}
	s := DefaultSettings()
	s.MemoryLimit = NoMemoryLimit
	if v, _ := s.Get("memory_limit"); v != "none" {
		t.Errorf("no limit shows as %q", v)
	}
}

// TestOptionsMemoryLimit: in Options the zero MemoryLimit is the default,
// NoMemoryLimit is no limit.
func TestOptionsMemoryLimit(t *testing.T) {
	for _, tc := range []struct {
		in, want int64
	}{{0, DefaultSettings().MemoryLimit}, {NoMemoryLimit, NoMemoryLimit}, {1 << 20, 1 << 20}} {
		eng, err := Open(Options{Settings: Settings{MemoryLimit: tc.in}})
		if err != nil {
			t.Fatal(err)
		}
		if got := eng.NewSession().Settings().MemoryLimit; got != tc.want {
			t.Errorf("Options MemoryLimit %d: session limit %d, want %d", tc.in, got, tc.want)
		}
		eng.Close()
	}
}

// TestMemoryLimitIndependentOfWorkers: the memory a DISTINCT aggregate
// reserves does not grow with the worker count (the serial merge used to
// reserve the whole merged table again for every partition merged in).
func TestMemoryLimitIndependentOfWorkers(t *testing.T) {
	for _, workers := range []int{1, 8, 64} {
		eng, err := Open(Options{DataDir: "../testdata", Settings: Settings{Workers: workers, MemoryLimit: 600 << 10}})
		if err != nil {
			t.Fatal(err)
		}
		rows := queryRows(t, eng, "SELECT count(DISTINCT l_comment) FROM lineitem")
		eng.Close()
		if len(rows) != 1 || rows[0] == "" {
			t.Fatalf("workers=%d: %v", workers, rows)
		}
	}
}
