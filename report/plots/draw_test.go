package plots

import (
	"math"
	"strconv"
	"testing"

	"gonum.org/v1/plot"
)

// TestTicks checks that the axes get a handful of round, labelled values
// inside their range, and the row axes round row numbers.
func TestTicks(t *testing.T) {
	for _, r := range [][2]float64{{0, 28.77}, {0, 1}, {0, 1.03}, {0, 1e6 * 1.03}, {-0.6, 7.4}, {0, 96.5}, {0, 0.04}, {3, 3}, {1234.5, 1299}} {
		ts := numTicks{}.Ticks(r[0], r[1])
		var labelled []plot.Tick
		for _, tk := range ts {
			if tk.Value < r[0]-1e-9 || tk.Value > r[1]+1e-9 {
				t.Errorf("%v: tick %v outside the range", r, tk.Value)
			}
			if tk.Label != "" {
				labelled = append(labelled, tk)
			}
		}
		if len(labelled) < 4 && r[1]-r[0] > 0 || len(labelled) > 11 || len(labelled) == 0 {
			t.Errorf("%v: %d labelled ticks %v", r, len(labelled), labelled)
			continue
		}
		if len(labelled) < 2 {
			continue
		}
		step := labelled[1].Value - labelled[0].Value
		if m := step / math.Pow(10, math.Floor(math.Log10(step))); math.Abs(m-1) > 1e-6 && math.Abs(m-2) > 1e-6 && math.Abs(m-2.5) > 1e-6 && math.Abs(m-5) > 1e-6 {
			t.Errorf("%v: step %v is not round", r, step)
		}
		for i, tk := range labelled {
			if q := tk.Value / step; math.Abs(q-math.Round(q)) > 1e-6 {
				t.Errorf("%v: tick %v is not a multiple of the step %v", r, tk.Value, step)
			}
			if i > 0 && tk.Value <= labelled[i-1].Value {
				t.Errorf("%v: ticks not ascending: %v", r, labelled)
			}
			if len(tk.Label) > 5 {
				t.Errorf("%v: long label %q", r, tk.Label)
			}
		}
	}
	for _, n := range []int{1, 5, 7, 51, 696, 2000} {
		ts := rowTicks{n: n}.Ticks(-0.6, float64(n)-0.4)
		if ts[0].Label != "1" || ts[0].Value != float64(n-1) {
			t.Errorf("%d rows: first tick %+v, want row 1 at the top", n, ts[0])
		}
		seen := map[string]bool{}
		for _, tk := range ts {
			row, err := strconv.Atoi(tk.Label)
			if err != nil || row < 1 || row > n || tk.Value != float64(n-row) || seen[tk.Label] {
				t.Errorf("%d rows: bad tick %+v", n, tk)
			}
			seen[tk.Label] = true
		}
		if len(ts) > 12 || n >= 5 && len(ts) < 4 {
			t.Errorf("%d rows: %d ticks", n, len(ts))
		}
	}
}
