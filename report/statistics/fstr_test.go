package statistics

import (
	"database/sql"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/pegasus-go/pegasus/report"
)

// TestAppendFstr checks the fast paths of appendFstr against report.Fstr
// (Python's repr(round(x, 3))) on values of every magnitude, values with up
// to four decimals, exact rounding ties (k/2000, k/64), whole numbers near
// the limits of the fast paths, negative and special values.
func TestAppendFstr(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var xs []float64
	for i := range 300000 {
		x := r.Float64() * math.Pow(10, float64(i%36-18))
		if i%3 == 0 {
			x = -x
		}
		xs = append(xs, x)
	}
	for i := range 200000 {
		xs = append(xs, report.PyRound(r.Float64()*1e5, 3), report.PyRound(r.Float64()*1000, 4),
			float64(i-20000)/2000, float64(i)/64, float64(i-1000), float64(i%1000)*0.001+float64(i/1000)*0.1,
			report.PyRound(r.Float64()*1e12, 3), float64(i)*0.001)
	}
	xs = append(xs, 0, math.Copysign(0, -1), 5, 1e16, 1e15, 1e15-1, 999999999999999.9, 1e12, 1e12-0.001, 999999999999.999,
		1e-3, 1e-4, 1e-5, 0.0005, -0.0004, 0.0015, 2.675, 0.0625, 129.9375, 2.2260000000000004, 123456789012345678.0,
		math.Inf(1), math.Inf(-1), math.NaN(), math.MaxFloat64, math.SmallestNonzeroFloat64, 4503599627370495.5)
	bad := 0
	for _, x := range xs {
		v := sql.NullFloat64{Float64: x, Valid: true}
		if got, want := string(appendFstr(nil, v)), report.Fstr(v); got != want {
			if bad++; bad <= 10 {
				t.Errorf("appendFstr(%v) = %q, report.Fstr %q", x, got, want)
			}
		}
	}
	if got := string(appendFstr([]byte("x"), sql.NullFloat64{})); got != "x-" {
		t.Errorf("NULL: %q", got)
	}
	if bad > 0 {
		t.Fatalf("%d of %d values differ", bad, len(xs))
	}
}

func BenchmarkAppendFstr(b *testing.B) {
	xs := []float64{3, 2.222, 0.005, 1673978405.5, 600.01, 12.3456, 1e-7}
	var buf []byte
	for i := 0; i < b.N; i++ {
		buf = appendFstr(buf[:0], sql.NullFloat64{Float64: xs[i%len(xs)], Valid: true})
	}
}
