package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pegasus-go/pegasus/internal/sampledb"
)

func TestReportFromDatabase(t *testing.T) {
	run0 := sampledb.Load(t, "process_wf_failure")
	e := map[string]string{
		"PEGASUS_EVENT": "at_end", "PEGASUS_JOBID": "f84f05fc-a8d0-42b5-bac5-52d6f41a77e3", "PEGASUS_WFID": "process-0",
		"PEGASUS_STATUS": "1", "PEGASUS_SUBMIT_DIR": run0.Dir, "PEGASUS_EVENT_TIMESTAMP_ISO": "2023-03-03T23:11:24-0800",
	}
	var out, errb bytes.Buffer
	if err := run(context.Background(), nil, func(k string) string { return e[k] }, &out, &errb); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(run0.Dir, "notification-report.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Pegasus notification: workflow process-0 at_end (status 1)",
		"jobs: 5 total, 1 succeeded, 1 failed, 0 running, 3 not started",
		"failed: ls_ID0000001 (try 1, exit code 1, host workflow.isi.edu)",
		"failed: ls_ID0000001 (try 2, exit code 1, host workflow.isi.edu)",
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("report lacks %q:\n%s", want, b)
		}
	}
}
