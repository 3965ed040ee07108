package stampede_test

import (
	"context"
	"database/sql"
	"math"
	"path/filepath"
	"testing"

	"github.com/pegasus-go/pegasus/report"
	"github.com/pegasus-go/pegasus/stampede"
)

func tempDB(t *testing.T) *stampede.DB {
	t.Helper()
	db, err := stampede.Open(context.Background(), filepath.Join(t.TempDir(), "t.duckdb"), stampede.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestFstrSQL checks that the job listing's SQL formatting prints every
// value as report.Fstr (Python's repr(round(x, 3))) does: random values of
// every magnitude, three-decimal values, exact rounding ties (k/2000, k/64),
// whole numbers, negative and special values.
func TestFstrSQL(t *testing.T) {
	db := tempDB(t)
	rows, err := db.SQL.Query(`SELECT x, ` + stampede.FstrSQL("x") + ` FROM (
		SELECT random() * pow(10, (i % 36) - 18) * CASE WHEN i % 3 = 0 THEN -1 ELSE 1 END AS x FROM range(0, 200000) t(i)
		UNION ALL SELECT round(random() * 100000, 3) FROM range(0, 100000)
		UNION ALL SELECT round(random() * 1000, 4) FROM range(0, 100000)
		UNION ALL SELECT i / 2000 FROM range(-20000, 100000) t(i)
		UNION ALL SELECT i / 64 FROM range(0, 100000) t(i)
		UNION ALL SELECT i * 1.0 FROM range(-1000, 100000) t(i)
		UNION ALL SELECT (i % 1000) * 0.001 + (i // 1000) * 0.1 FROM range(0, 100000) t(i)
		UNION ALL SELECT v FROM (VALUES (NULL), (0.0), (-0.0), (5.0), (1e16), (1e15), (999999999999999.9), (1e-4), (1e-5),
			(-0.0004), (0.0005), (2.675), (0.0625), (129.9375), (2.2260000000000004), (123456789012345678.0),
			('inf'::DOUBLE), ('-inf'::DOUBLE), ('nan'::DOUBLE)) v(v))`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n, bad := 0, 0
	for rows.Next() {
		var x sql.NullFloat64
		var got string
		if err := rows.Scan(&x, &got); err != nil {
			t.Fatal(err)
		}
		n++
		if want := report.Fstr(x); got != want {
			if bad++; bad <= 10 {
				t.Errorf("fstr(%v) = %q in SQL, %q in Go", x.Float64, got, want)
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if bad > 0 || n < 800000 {
		t.Fatalf("%d of %d values differ", bad, n)
	}
}

func TestExitcodeSQL(t *testing.T) {
	db := tempDB(t)
	for _, raw := range []int64{0, 256, 512, 9, 139, -1, 65280, 32512} {
		var got string
		if err := db.SQL.QueryRow(`SELECT `+stampede.ExitcodeSQL("e")+` FROM (SELECT ?::INTEGER AS e)`, raw).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if want := report.RawToRegular(raw); got != fmtInt(want) {
			t.Errorf("exit code of raw %d: SQL %q, want %d", raw, got, want)
		}
	}
	var got string
	if err := db.SQL.QueryRow(`SELECT ` + stampede.ExitcodeSQL("NULL::INTEGER")).Scan(&got); err != nil || got != "None" {
		t.Errorf("exit code of NULL: %q, %v", got, err)
	}
}

func fmtInt(n int64) string {
	return string(appendInt(nil, n))
}

func appendInt(b []byte, n int64) []byte {
	if n < 0 {
		return appendInt(append(b, '-'), -n)
	}
	if n >= 10 {
		b = appendInt(b, n/10)
	}
	return append(b, byte('0'+n%10))
}

func TestSumErrorBound(t *testing.T) {
	// Adding the same values in two orders never differs by more than the bound.
	xs := []float64{0.1, 0.7, 1e8, 3.3, -2.2, 0.003, 123.456, 1e-3, 77.7}
	fwd, rev, abs := 0.0, 0.0, 0.0
	for i := range xs {
		fwd += xs[i]
		rev += xs[len(xs)-1-i]
		abs += math.Abs(xs[i])
	}
	if d := math.Abs(fwd - rev); d > stampede.SumErrorBound(int64(len(xs)), abs) {
		t.Errorf("orders differ by %g, bound %g", d, stampede.SumErrorBound(int64(len(xs)), abs))
	}
	if stampede.SumErrorBound(1, 5) != 0 {
		t.Error("one term has no error")
	}
}

func TestSortJobRows(t *testing.T) {
	for _, n := range []int{10, 5000, 100000} {
		rows := make([]stampede.JobRowForTest, n)
		for i := range rows {
			// Few workflows, sequences with duplicates, ids descending.
			rows[i] = stampede.JobRowForTest{Key: uint64(i%3)<<32 | uint64((i*7919)%(n/2+1)), ID: int64(n - i)}
		}
		got := stampede.SortJobRowsForTest(rows)
		for i := 1; i < len(got); i++ {
			a, b := got[i-1], got[i]
			if a.Key > b.Key || a.Key == b.Key && a.ID > b.ID {
				t.Fatalf("n=%d: rows %d and %d out of order: %+v %+v", n, i-1, i, a, b)
			}
		}
		if len(got) != n {
			t.Fatalf("n=%d: %d rows back", n, len(got))
		}
	}
}
