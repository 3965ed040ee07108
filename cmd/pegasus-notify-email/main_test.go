package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

var wfEnd = map[string]string{
	"PEGASUS_EVENT": "on_error", "PEGASUS_JOBID": "f84f05fc-a8d0-42b5-bac5-52d6f41a77e3", "PEGASUS_WFID": "process-0",
	"PEGASUS_STATUS": "1", "PEGASUS_EVENT_TIMESTAMP_ISO": "2023-03-03T23:11:24-0800",
}

func TestWritesMessageWithoutSendmail(t *testing.T) {
	dir := t.TempDir()
	e := map[string]string{"PEGASUS_SUBMIT_DIR": dir}
	for k, v := range wfEnd {
		e[k] = v
	}
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"-t", "a@b.c", "--sendmail", "none"}, env(e), &out, &errb); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "notifications", "*.eml"))
	if len(files) != 1 || !strings.Contains(out.String(), "no sendmail found") {
		t.Fatalf("files %v, stdout %q", files, out.String())
	}
	b, _ := os.ReadFile(files[0])
	for _, want := range []string{"To: a@b.c\n", "Subject: Pegasus notification: workflow process-0 on_error (status 1)\n", "Status:     1\n"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("message lacks %q:\n%s", want, b)
		}
	}
}

func TestSendsThroughSendmail(t *testing.T) {
	dir := t.TempDir()
	got := filepath.Join(dir, "mail.txt")
	fake := filepath.Join(dir, "sendmail")
	os.WriteFile(fake, []byte("#!/bin/sh\n[ \"$1\" = -t ] || exit 9\ncat > "+got+"\n"), 0o755)
	e := map[string]string{"PEGASUS_SUBMIT_DIR": dir}
	for k, v := range wfEnd {
		e[k] = v
	}
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"-t", "ops@x", "--sendmail", fake}, env(e), &out, &errb); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(got)
	if err != nil || !strings.Contains(string(b), "To: ops@x\n") {
		t.Fatalf("sendmail got %q (%v)", b, err)
	}
}

func TestNotRunByMonitord(t *testing.T) {
	var out, errb bytes.Buffer
	err := run(context.Background(), nil, env(map[string]string{}), &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "PEGASUS_EVENT") {
		t.Fatalf("err = %v", err)
	}
}
