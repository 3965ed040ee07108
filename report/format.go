package report

import (
	"database/sql"
	"math"
	"strconv"
	"strings"
)

// PyFloat formats x as Python's repr(float) does: the shortest text that
// reads back as x, always with a decimal point or an exponent ("5.0",
// "2.2260000000000004", "1e-05", "1e+16").
func PyFloat(x float64) string {
	return string(AppendPyFloat(nil, x))
}

// AppendPyFloat appends PyFloat(x) to b.
func AppendPyFloat(b []byte, x float64) []byte {
	switch {
	case math.IsNaN(x):
		return append(b, "nan"...)
	case math.IsInf(x, 1):
		return append(b, "inf"...)
	case math.IsInf(x, -1):
		return append(b, "-inf"...)
	case x == 0:
		if math.Signbit(x) {
			return append(b, "-0.0"...)
		}
		return append(b, "0.0"...)
	}
	// Python switches to exponent notation when the decimal exponent is
	// below -4 or at least 16.
	if a := math.Abs(x); a < 1e-4 || a >= 1e16 {
		return strconv.AppendFloat(b, x, 'e', -1, 64)
	}
	start := len(b)
	b = strconv.AppendFloat(b, x, 'f', -1, 64)
	for _, c := range b[start:] {
		if c == '.' {
			return b
		}
	}
	return append(b, ".0"...)
}

// PyRound rounds x to n decimals as Python's round(x, n) does: to the
// nearest multiple of 10^-n of the exact binary value, ties to even.
func PyRound(x float64, n int) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	var buf [64]byte
	r, err := strconv.ParseFloat(string(strconv.AppendFloat(buf[:0], x, 'f', n, 64)), 64)
	if err != nil {
		return x
	}
	return r
}

// AppendFstr appends Pegasus's fstr(x): x rounded to 3 decimals, printed
// as Python prints floats.
func AppendFstr(b []byte, x float64) []byte {
	return AppendPyFloat(b, PyRound(x, 3))
}

// Fstr is Pegasus's fstr: "-" for NULL, else the value rounded to 3
// decimals as Python prints it ("5.0", "60.002").
func Fstr(v sql.NullFloat64) string {
	if !v.Valid {
		return "-"
	}
	return string(AppendFstr(nil, v.Float64))
}

// Pstr is Pegasus's pstr: "-" for NULL, else the value rounded to 2
// decimals followed by "%" ("18.24%", "100.0%").
func Pstr(v sql.NullFloat64) string {
	if !v.Valid {
		return "-"
	}
	return PyFloat(PyRound(v.Float64, 2)) + "%"
}

// FormatSeconds is Pegasus's format_seconds: a duration as at most two
// components out of years (365 days), days, hrs, mins and secs ("1 min, 56
// secs", "1 hr, 0 mins"), leading zero components skipped, a component
// singular only when it is exactly 1. Durations under a minute print their
// seconds rounded to 2 decimals ("12.41 secs", "0.0 secs"). NULL is "-".
func FormatSeconds(v sql.NullFloat64) string {
	if !v.Valid {
		return "-"
	}
	d := v.Float64
	if d < 60 {
		r := PyRound(d, 2)
		if r == 1 {
			return PyFloat(r) + " sec"
		}
		return PyFloat(r) + " secs"
	}
	sec := int64(d)
	units := []struct {
		size       int64
		one, other string
	}{
		{31536000, "year", "years"}, {86400, "day", "days"}, {3600, "hr", "hrs"}, {60, "min", "mins"}, {1, "sec", "secs"},
	}
	var parts []string
	for _, u := range units {
		n := sec / u.size
		sec -= n * u.size
		if len(parts) == 2 || (n == 0 && len(parts) == 0) {
			continue
		}
		name := u.other
		if n == 1 {
			name = u.one
		}
		parts = append(parts, strconv.FormatInt(n, 10)+" "+name)
	}
	return strings.Join(parts, ", ")
}

// RawToRegular turns a raw wait status, as Stampede stores exit codes, into
// the exit code a person reads: status>>8 for a normal exit, minus the
// signal number for a killed process, -128 for negative values.
func RawToRegular(raw int64) int64 {
	switch {
	case raw < 0:
		return -128
	case raw&127 != 0:
		return -(raw & 127)
	}
	return raw >> 8
}
