package ingest_test

import (
	"testing"

	"github.com/pegasus-go/pegasus/ingest"
)

func TestJobstateLineFormat(t *testing.T) {
	cases := []struct {
		ts                               int64
		job, state, info, site, walltime string
		seq                              int
		want                             string
	}{
		{1299613372, "create_dir_diamond_0_local", "SUBMIT", "1.0", "local", "", 1,
			"1299613372 create_dir_diamond_0_local SUBMIT 1.0 local - 1"},
		{1299613380, "findrange_ID2", "JOB_SUCCESS", "0", "", "120", 0,
			"1299613380 findrange_ID2 JOB_SUCCESS 0 - 120 -"},
	}
	buf := []byte("kept|")
	for _, c := range cases {
		got := ingest.FormatJobstateLine(c.ts, c.job, c.state, c.info, c.site, c.walltime, c.seq)
		if got != c.want {
			t.Errorf("FormatJobstateLine = %q, want %q", got, c.want)
		}
		buf = ingest.AppendJobstateLine(buf[:5], c.ts, c.job, c.state, c.info, c.site, c.walltime, c.seq)
		if string(buf) != "kept|"+c.want {
			t.Errorf("AppendJobstateLine = %q, want %q", buf, "kept|"+c.want)
		}
		e, err := ingest.ParseJobstateLine(got)
		if err != nil {
			t.Fatalf("ParseJobstateLine(%q): %v", got, err)
		}
		if e.TS != c.ts || e.Job != c.job || e.State != c.state || e.Seq != c.seq {
			t.Errorf("ParseJobstateLine(%q) = %+v", got, e)
		}
	}
}
