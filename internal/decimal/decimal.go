// Package decimal turns short decimal numbers, read digit by digit by their
// parsers, into float64 without strconv.ParseFloat and with the same result.
package decimal

// Exact returns m / 10^n, the value of a decimal written with the digits of
// m and n of them after the point, when both are exact doubles (m below 2^53
// and n at most 15): their quotient, rounded once, is then the double
// nearest the decimal, which is what strconv.ParseFloat gives. It reports
// false otherwise; the caller then uses ParseFloat.
func Exact(m uint64, n int) (float64, bool) {
	if m >= 1<<53 || n < 0 || n >= len(pow10) {
		return 0, false
	}
	return float64(m) / pow10[n], true
}

var pow10 = [16]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}
