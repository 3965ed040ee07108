package statistics

import (
	"database/sql"
	"math"
	"strconv"

	"github.com/pegasus-go/pegasus/report"
)

// appendFstr appends Pegasus's fstr of v ("-" for NULL): report.Fstr,
// with fast paths for the values job listings are made of.
//
// A whole number below 10^15 prints as its integer and ".0". A value x
// below 10^12 whose m = round(x·1000) gives m/1000 == x is the double
// nearest the decimal m/1000 (m and 1000 are exact, the division rounds
// correctly): Python's round(x, 3) is then x itself (x is within half an
// ulp, under 2⁻¹⁴, of m/1000, far from a rounding tie), and its repr is
// m/1000 written out, trailing zeros dropped (any other decimal of at most
// three places is at least 0.001 away, and no shorter text reads back as
// x). Other values take report.AppendFstr's exact path.
func appendFstr(b []byte, v sql.NullFloat64) []byte {
	if !v.Valid {
		return append(b, '-')
	}
	x := v.Float64
	if x == math.Trunc(x) && x != 0 && math.Abs(x) < 1e15 {
		return append(strconv.AppendInt(b, int64(x), 10), ".0"...)
	}
	if a := math.Abs(x); a >= 1e-3 && a < 1e12 {
		if m := math.Round(x * 1000); m/1000 == x {
			n := int64(m)
			if n < 0 {
				b, n = append(b, '-'), -n
			}
			b = strconv.AppendInt(b, n/1000, 10)
			frac := n % 1000
			b = append(b, '.', byte('0'+frac/100))
			if frac%100 != 0 {
				b = append(b, byte('0'+frac/10%10))
				if frac%10 != 0 {
					b = append(b, byte('0'+frac%10))
				}
			}
			return b
		}
	}
	return report.AppendFstr(b, x)
}
