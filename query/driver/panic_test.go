package driver

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/recq/recq/exec"
	"github.com/recq/recq/internal/testhook"
)

// TestWorkerPanicThroughDatabaseSQL: a panic in a scan worker (injected
// through internal/testhook) reaches a database/sql caller as the query's
// internal error, not as a crash of the host program; no goroutine leaks
// and the same *sql.DB serves the next query.
func TestWorkerPanicThroughDatabaseSQL(t *testing.T) {
	before := runtime.NumGoroutine()
	db := openDB(t, "../../testdata?workers=3&batch_size=100")
	for _, q := range []string{
		"SELECT l_orderkey FROM lineitem WHERE l_quantity > 10",
		"SELECT l_returnflag, count(*) FROM lineitem GROUP BY l_returnflag",
	} {
		restore := testhook.Set(testhook.PanicAt("scan.chunk", "injected worker bug", 1))
		err := func() error {
			rows, err := db.Query(q)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
			}
			return rows.Err()
		}()
		restore()
		var ie *exec.InternalError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), "internal error: injected worker bug (please report this with the statement)") {
			t.Fatalf("%s: err = %v, want the internal error", q, err)
		}
		var n int
		if err := db.QueryRow("SELECT count(*) FROM lineitem").Scan(&n); err != nil || n != 2000 {
			t.Fatalf("the query after the panic: %d, %v", n, err)
		}
	}
	db.Close()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("goroutine leak: %d before, %d after\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}
