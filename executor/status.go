package executor

import (
	"bytes"
	"io"
	"os"
	"strings"

	"github.com/pegasus-go/pegasus/ingest"
)

// Status is the state of a DAG as its dagman.out tells it (HTCondor's or
// ours): the last node-count table, the DAG status, DAGMan's exit, and the
// failed nodes DAGMan listed.
type Status struct {
	Total                                                   int
	Done, Pre, Queued, Post, Ready, Unready, Failed, Futile int
	DAGStatus                                               int
	Exited                                                  bool
	ExitCode                                                int
	Failures                                                []NodeFailure
	Rescue                                                  string // "Writing Rescue DAG to X..." file name
}

// StatusReader follows a growing dagman.out from an offset (the size of
// the log before the run started, so earlier runs are not counted).
type StatusReader struct {
	Path string
	Off  int64
	St   Status

	carry []byte
	dc    ingest.DagmanClassifier
	inErr bool
	cur   *NodeFailure
	why   map[string]string // node -> why its last script could not run
}

// Update reads what was appended since the last call.
func (r *StatusReader) Update() error {
	if r.dc.Clock == nil {
		r.dc.Clock = &ingest.Clock{}
	}
	f, err := os.Open(r.Path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	defer f.Close()
	if _, err := f.Seek(r.Off, io.SeekStart); err != nil {
		return err
	}
	buf := make([]byte, 256<<10)
	for {
		n, err := f.Read(buf)
		if n > 0 {
			r.Off += int64(n)
			data := append(r.carry, buf[:n]...)
			for {
				i := bytes.IndexByte(data, '\n')
				if i < 0 {
					break
				}
				r.line(data[:i])
				data = data[i+1:]
			}
			r.carry = append(r.carry[:0], data...)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (r *StatusReader) line(l []byte) {
	dl := r.dc.Classify(l, 0)
	switch dl.Kind {
	case ingest.LineNodeCounts:
		c := dl.Counts
		for len(c) < 8 {
			c = append(c, 0)
		}
		s := &r.St
		s.Done, s.Pre, s.Queued, s.Post, s.Ready, s.Unready, s.Failed, s.Futile = c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]
		return
	case ingest.LineDAGStatus:
		r.St.DAGStatus = dl.Status
		return
	case ingest.LineExiting:
		r.St.Exited, r.St.ExitCode = true, dl.Status
		return
	case ingest.LineStartingUp:
		// A new DAGMan run: forget the previous one's end.
		r.St = Status{}
		r.inErr = false
		r.why = nil
		return
	}
	msg := string(l)
	if len(msg) > 18 && msg[2] == '/' && msg[17] == ' ' {
		msg = msg[18:]
	}
	switch {
	case strings.HasPrefix(msg, "Warning: PRE script of node ") || strings.HasPrefix(msg, "Warning: POST script of node "):
		// "Warning: PRE script of node X could not be started: why" (ours):
		// the reason the failure report gives along with DAGMan's status.
		_, rest, _ := strings.Cut(msg, " script of node ")
		if node, why, ok := strings.Cut(rest, " "); ok && strings.HasPrefix(why, "could not be started: ") {
			if r.why == nil {
				r.why = map[string]string{}
			}
			r.why[node] = why
		}
	case strings.HasPrefix(msg, "Of ") && strings.HasSuffix(msg, " nodes total:"):
		f := strings.Fields(msg)
		if len(f) >= 2 {
			n := 0
			for _, c := range f[1] {
				if c < '0' || c > '9' {
					return
				}
				n = n*10 + int(c-'0')
			}
			r.St.Total = n
		}
	case msg == "ERROR: the following job(s) failed:":
		r.inErr = true
		r.St.Failures = nil
	case strings.HasPrefix(msg, "Writing Rescue DAG to "):
		r.St.Rescue = strings.TrimSuffix(strings.TrimPrefix(msg, "Writing Rescue DAG to "), "...")
		r.inErr = false
	case r.inErr:
		t := strings.TrimSpace(msg)
		switch {
		case strings.HasPrefix(t, "Node Name: "):
			r.St.Failures = append(r.St.Failures, NodeFailure{Node: strings.TrimPrefix(t, "Node Name: ")})
			r.cur = &r.St.Failures[len(r.St.Failures)-1]
		case strings.HasPrefix(t, "Error: ") && r.cur != nil:
			r.cur.Reason = strings.TrimPrefix(t, "Error: ")
			if why := r.why[r.cur.Node]; why != "" && strings.Contains(strings.ToLower(r.cur.Reason), "script failed") {
				// Before DAGMan's "(after N node retries)".
				at := strings.Index(r.cur.Reason, " (after ")
				if at < 0 {
					at = len(r.cur.Reason)
				}
				r.cur.Reason = r.cur.Reason[:at] + ": " + why + r.cur.Reason[at:]
			}
		case strings.HasPrefix(t, "Retry: ") && r.cur != nil:
		case t == "Aborting DAG...":
			r.inErr = false
		}
	}
}
