package query

import (
	"fmt"
	"math"
	"runtime"
	"strconv"
	"strings"

	"github.com/recq/recq/storage"
)

// Settings are the knobs a session can change with SET name = value.
type Settings struct {
	// Workers is the number of scan partitions (default GOMAXPROCS).
	Workers int
	// IO is the read strategy (default auto).
	IO storage.Strategy
	// BatchSize is rows per Arrow batch (default 16384).
	BatchSize int
	// MemoryLimit bounds aggregation and sort state, in bytes. In
	// Options.Settings, 0 means the default (4 GiB) like every other zero
	// field; NoMemoryLimit (-1) means no limit.
	MemoryLimit int64
	// MaxRows fails a query whose result has more rows (0 = no limit).
	MaxRows int64
	// VerifyChecksums checks .rec block checksums while scanning.
	VerifyChecksums bool
	// Seed, when set (SET seed = x, -1 <= x <= 1, as in PostgreSQL),
	// restarts random()'s sequence: the session's queries then draw from
	// one generator, so a script gives the same numbers each run (with
	// workers = 1; partitions draw in the order they run).
	Seed *float64
}

// NoMemoryLimit is the MemoryLimit that means no limit (SET memory_limit =
// 'none'). The zero MemoryLimit means the default.
const NoMemoryLimit int64 = -1

// DefaultSettings returns the settings of a new engine.
func DefaultSettings() Settings {
	return Settings{Workers: runtime.GOMAXPROCS(0), IO: storage.Auto, BatchSize: 16 * 1024, MemoryLimit: 4 << 30}
}

// settingNames lists what SET accepts, for errors and completion.
var settingNames = []string{"workers", "threads", "io", "batch_size", "memory_limit", "max_rows", "verify_checksums", "seed"}

// SettingNames returns the names SET accepts.
func SettingNames() []string { return append([]string(nil), settingNames...) }

// Set changes one setting from its SQL text value (as SET gives it).
func (s *Settings) Set(name, value string) error {
	v := strings.TrimSpace(value)
	switch strings.ToLower(name) {
	case "workers", "threads":
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1024 {
			return fmt.Errorf("%s must be a whole number from 1 to 1024, not %q", name, value)
		}
		s.Workers = n
	case "io":
		st, err := storage.ParseStrategy(v)
		if err != nil {
			return err
		}
		s.IO = st
	case "batch_size":
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1<<20 {
			return fmt.Errorf("batch_size must be a whole number from 1 to 1048576, not %q", value)
		}
		s.BatchSize = n
	case "memory_limit":
		if isNoLimit(v) {
			s.MemoryLimit = NoMemoryLimit
			return nil
		}
		n, err := ParseBytes(v)
		if err != nil {
			return fmt.Errorf("memory_limit: %v", err)
		}
		if n == 0 {
			return fmt.Errorf("memory_limit: %q is less than one byte; give a size such as 512MB, or 'none' for no limit", value)
		}
		s.MemoryLimit = n
	case "max_rows":
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("max_rows must be a whole number (0 for no limit), not %q", value)
		}
		s.MaxRows = n
	case "verify_checksums":
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("verify_checksums must be true or false, not %q", value)
		}
		s.VerifyChecksums = b
	case "seed":
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < -1 || f > 1 {
			return fmt.Errorf("seed must be a number from -1 to 1, not %q", value)
		}
		s.Seed = &f
	default:
		return fmt.Errorf("unknown setting %s (known: %s)%s", name, strings.Join(settingNames, ", "), suggest(name, settingNames))
	}
	return nil
}

// Get renders one setting's value.
func (s *Settings) Get(name string) (string, error) {
	switch strings.ToLower(name) {
	case "workers", "threads":
		return strconv.Itoa(s.Workers), nil
	case "io":
		return s.IO.String(), nil
	case "batch_size":
		return strconv.Itoa(s.BatchSize), nil
	case "memory_limit":
		if s.MemoryLimit < 0 {
			return "none", nil
		}
		return FormatBytes(s.MemoryLimit), nil
	case "max_rows":
		return strconv.FormatInt(s.MaxRows, 10), nil
	case "verify_checksums":
		return strconv.FormatBool(s.VerifyChecksums), nil
	case "seed":
		if s.Seed == nil {
			return "none", nil
		}
		return strconv.FormatFloat(*s.Seed, 'g', -1, 64), nil
	}
	return "", fmt.Errorf("unknown setting %s", name)
}

// isNoLimit reports whether a memory_limit value asks for no limit.
func isNoLimit(v string) bool {
	switch strings.ToLower(v) {
	case "none", "unlimited", "-1":
		return true
	}
	return false
}

// ParseBytes reads a size such as 512MB, 4GiB, 1.5GB or 1048576 (bytes).
// Units are powers of 1024 whether written KB or KiB, as DuckDB does. The
// number must be finite and not negative, and the size must fit in an
// int64; fractions of a byte are rounded down.
func ParseBytes(s string) (int64, error) {
	t := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"TIB", 1 << 40}, {"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10},
		{"TB", 1 << 40}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"T", 1 << 40}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSuffix(t, u.suffix), u.m
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) || strings.Trim(t, "0123456789.E+-") != "" {
		return 0, fmt.Errorf("%q is not a size such as 512MB or 4GB (memory_limit also takes 'none')", s)
	}
	b := f * float64(mult)
	if b >= math.MaxInt64 {
		return 0, fmt.Errorf("%q is too large (the largest size is 8EiB)", s)
	}
	return int64(b), nil
}

// FormatBytes renders a byte count with a binary unit (4.0GiB).
func FormatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1fGiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1fMiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1fKiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%dB", n)
}
