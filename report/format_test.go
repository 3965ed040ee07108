package report

import (
	"database/sql"
	"math"
	"testing"
)

func TestPyFloat(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0.0"}, {math.Copysign(0, -1), "-0.0"}, {5, "5.0"}, {-5, "-5.0"}, {60.002, "60.002"},
		{2.2260000000000004, "2.2260000000000004"}, {1200.03, "1200.03"}, {0.1, "0.1"},
		{1e-4, "0.0001"}, {1e-5, "1e-05"}, {1.5e-7, "1.5e-07"}, {1e15, "1000000000000000.0"},
		{1e16, "1e+16"}, {1.2345e17, "1.2345e+17"}, {123456789.125, "123456789.125"},
		{math.Inf(1), "inf"}, {math.Inf(-1), "-inf"}, {math.NaN(), "nan"},
	}
	for _, tc := range tests {
		if got := PyFloat(tc.in); got != tc.want {
			t.Errorf("PyFloat(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPyRound(t *testing.T) {
	tests := []struct {
		in   float64
		n    int
		want float64
	}{
		{2.675, 2, 2.67},       // 2.675 is 2.67499999... in binary
		{0.0625, 3, 0.062},     // exact tie: to even
		{0.1875, 3, 0.188},     // exact tie: to even
		{129.9375, 3, 129.938}, // exact tie: to even
		{0.0015, 3, 0.002},     // 0.0015 is 0.00150000000000000003...
		{0.006, 2, 0.01}, {-1.0005, 3, -1.0}, {2.2260000000000004, 3, 2.226}, {5, 3, 5},
	}
	for _, tc := range tests {
		if got := PyRound(tc.in, tc.n); got != tc.want {
			t.Errorf("PyRound(%v, %d) = %v, want %v", tc.in, tc.n, got, tc.want)
		}
	}
}

func null() sql.NullFloat64         { return sql.NullFloat64{} }
func val(x float64) sql.NullFloat64 { return sql.NullFloat64{Float64: x, Valid: true} }

func TestFstrPstr(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{Fstr(null()), "-"}, {Fstr(val(5)), "5.0"}, {Fstr(val(60.0019)), "60.002"}, {Fstr(val(600.01)), "600.01"},
		{Fstr(val(0.0004)), "0.0"}, {Fstr(val(2532.0 / 1024)), "2.473"}, {Fstr(val(-3.14159)), "-3.142"},
		{Pstr(null()), "-"}, {Pstr(val(100)), "100.0%"}, {Pstr(val(66.66666666666667)), "66.67%"},
		{Pstr(val(18.2449)), "18.24%"}, {Pstr(val(9.909909909909909)), "9.91%"},
	}
	for i, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("case %d: got %q, want %q", i, tc.got, tc.want)
		}
	}
}

func TestFormatSeconds(t *testing.T) {
	tests := []struct {
		in   sql.NullFloat64
		want string
	}{
		{null(), "-"}, {val(0), "0.0 secs"}, {val(0.006), "0.01 secs"}, {val(12.41), "12.41 secs"},
		{val(53), "53.0 secs"}, {val(1), "1.0 sec"}, {val(59.999), "60.0 secs"}, {val(-2), "-2.0 secs"},
		{val(60), "1 min, 0 secs"}, {val(96), "1 min, 36 secs"}, {val(116), "1 min, 56 secs"},
		{val(121), "2 mins, 1 sec"}, {val(331.9), "5 mins, 31 secs"}, {val(3600), "1 hr, 0 mins"},
		{val(3725), "1 hr, 2 mins"}, {val(7322), "2 hrs, 2 mins"}, {val(86400), "1 day, 0 hrs"},
		{val(90061), "1 day, 1 hr"}, {val(31536000), "1 year, 0 days"}, {val(2*31536000 + 3*86400 + 5), "2 years, 3 days"},
	}
	for _, tc := range tests {
		if got := FormatSeconds(tc.in); got != tc.want {
			t.Errorf("FormatSeconds(%v) = %q, want %q", tc.in.Float64, got, tc.want)
		}
	}
}

func TestRawToRegular(t *testing.T) {
	tests := []struct{ raw, want int64 }{
		{0, 0}, {256, 1}, {512, 2}, {9, -9}, {139, -11}, {-1, -128}, {65280, 255},
	}
	for _, tc := range tests {
		if got := RawToRegular(tc.raw); got != tc.want {
			t.Errorf("RawToRegular(%d) = %d, want %d", tc.raw, got, tc.want)
		}
	}
}

func TestTextTable(t *testing.T) {
	rows := [][]string{{"ls", "successful", "1"}, {"a-long-transformation-name", "failed", "12"}}
	w := FitWidths([]int{15, 5, 6}, rows)
	if want := []int{27, 11, 7}; w[0] != want[0] || w[1] != want[1] || w[2] != want[2] {
		t.Fatalf("FitWidths = %v, want %v", w, want)
	}
	got := string(AppendPadded(nil, []string{"Transformation", "Type", "Count"}, w))
	if want := "Transformation             Type       Count  "; got != want {
		t.Errorf("header %q, want %q", got, want)
	}
	// A cell wider than its fixed column overflows and shifts the row.
	got = string(AppendPadded(nil, []string{"Sub-Workflows-and-more", "1"}, []int{15, 10}))
	if want := "Sub-Workflows-and-more1         "; got != want {
		t.Errorf("overflow %q, want %q", got, want)
	}
	// Widths count characters, not bytes.
	if got := string(AppendPadded(nil, []string{"é", "x"}, []int{3, 1})); got != "é  x" {
		t.Errorf("unicode padding %q", got)
	}
}
