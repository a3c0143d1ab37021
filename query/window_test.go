package query

import (
	"context"
	"strings"
	"testing"
)

// The plans of window queries: one Window node per distinct window, WHERE
// below it, QUALIFY above it, no sort for a window in file order (which
// streams), and a partitioned window over every scan partition.
func TestWindowPlans(t *testing.T) {
	eng, _ := testEngine(t, Settings{Workers: 3, BatchSize: 1024})
	for _, c := range []struct {
		sql     string
		want    []string
		notWant []string
	}{
		{"SELECT seq, avg(pressure) OVER (ORDER BY _rowid ROWS BETWEEN 99 PRECEDING AND CURRENT ROW) FROM sensors WHERE sensor_id = 3",
			[]string{"Window order by _rowid (file order, no sort): avg(pressure) OVER (ORDER BY _rowid ROWS BETWEEN 99 PRECEDING AND CURRENT ROW)",
				"pushed [sensor_id = 3]", "(input in order, streamed)", "OrderedGather"},
			[]string{"Sort"}},
		{"SELECT seq, percent_rank() OVER (ORDER BY _rowid) FROM sensors",
			[]string{"(file order, no sort)", "(input already in order)"}, []string{"streamed"}},
		{"SELECT seq, rank() OVER w, sum(level) OVER w, lag(level) OVER (PARTITION BY sensor_id) FROM sensors WINDOW w AS (PARTITION BY sensor_id ORDER BY ts)",
			[]string{"Window partition by sensor_id order by ts: rank() OVER w, sum(level) OVER w",
				"Window partition by sensor_id: lag(level) OVER (PARTITION BY sensor_id)",
				"Window: partition by sensor_id order by ts | rank() OVER w, sum(level) OVER w [partitions=3]"},
			nil},
		{"SELECT seq FROM sensors QUALIFY row_number() OVER (PARTITION BY sensor_id ORDER BY ts DESC) = 1",
			[]string{"Filter (QUALIFY) (row_number() OVER (PARTITION BY sensor_id ORDER BY ts DESC) = 1)"}, nil},
		// a filter on the partition key goes below the window (into the
		// scan); one on the window's result or another column stays above
		{"SELECT * FROM (SELECT sensor_id, seq, rank() OVER (PARTITION BY sensor_id ORDER BY ts) AS r FROM sensors) AS w WHERE sensor_id = 4 AND r <= 2 AND seq > 10",
			[]string{"pushed [sensor_id = 4]", "Filter (rank() OVER (PARTITION BY sensor_id ORDER BY ts) <= 2) AND (seq > 10)"}, nil},
		// the aggregates of agg_funcs.go stream over bounded frames and,
		// when their state is read in O(1), running ones; else the
		// window holds its input (in order, not sorted)
		{"SELECT seq, median(pressure) OVER (ORDER BY _rowid ROWS BETWEEN 9 PRECEDING AND CURRENT ROW), count_if(ok) OVER (ORDER BY _rowid) FROM sensors",
			[]string{"(input in order, streamed)"}, []string{"Sort"}},
		{"SELECT seq, median(pressure) OVER (ORDER BY _rowid) FROM sensors",
			[]string{"(input already in order)"}, []string{"streamed", "Sort"}},
		// a window ordered by _rowid after a sort-breaking join is sorted
		{"SELECT a.seq, lag(a.seq) OVER (ORDER BY a._rowid) FROM sensors a JOIN sensors b ON a.seq = b.seq",
			[]string{"Window order by _rowid: lag(a.seq)"}, []string{"file order, no sort"}},
	} {
		text, err := eng.Explain(context.Background(), c.sql)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		for _, w := range c.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s\nthe plan lacks %q:\n%s", c.sql, w, text)
			}
		}
		for _, w := range c.notWant {
			if strings.Contains(text, w) {
				t.Errorf("%s\nthe plan has %q:\n%s", c.sql, w, text)
			}
		}
	}
}
