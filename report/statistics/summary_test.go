package statistics

import (
	"database/sql"
	"testing"

	"github.com/pegasus-go/pegasus/stampede"
)

// TestPrintStable checks when the summary's times need sums added in
// Pegasus's order: only when a time is within its bound of a boundary of
// its printed form (whole seconds, hundredths below a minute).
func TestPrintStable(t *testing.T) {
	v := func(x float64) sql.NullFloat64 { return sql.NullFloat64{Float64: x, Valid: true} }
	for _, c := range []struct {
		times stampede.CumulativeTimes
		want  bool
	}{
		{stampede.CumulativeTimes{KickstartWall: v(1000.5), KickstartBound: 1e-6}, true},
		{stampede.CumulativeTimes{KickstartWall: v(1000.9999999), KickstartBound: 1e-6}, false},
		{stampede.CumulativeTimes{KickstartWall: v(999.9999999), KickstartBound: 1e-9}, true},
		{stampede.CumulativeTimes{SubmitBadput: v(12.345), SubmitBound: 1e-6}, false},
		{stampede.CumulativeTimes{SubmitBadput: v(12.3449), SubmitBound: 1e-6}, true},
		{stampede.CumulativeTimes{SubmitWall: v(7200), SubmitBound: 0}, true},
		{stampede.CumulativeTimes{SubmitWall: v(7200), SubmitBound: 1e-9}, false},
		{stampede.CumulativeTimes{KickstartBadput: sql.NullFloat64{}, KickstartBound: 1}, true},
	} {
		if got := printStable(c.times); got != c.want {
			t.Errorf("%+v: %v, want %v", c.times, got, c.want)
		}
	}
}
