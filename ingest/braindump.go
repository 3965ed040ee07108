package ingest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Braindump is a workflow's braindump file (FORMATS.md §6): braindump.yml
// (Pegasus 5.x) or braindump.txt (3.x, 4.x). Values are kept as strings.
type Braindump struct {
	Path   string            // the file read
	Values map[string]string // every key
}

// Get returns the value of key ("" when absent).
func (b *Braindump) Get(key string) string { return b.Values[key] }

// WfUUID is the workflow's uuid.
func (b *Braindump) WfUUID() string { return b.Values["wf_uuid"] }

// RootUUID is the root workflow's uuid (the workflow's own for a root).
func (b *Braindump) RootUUID() string {
	if v := b.Values["root_wf_uuid"]; v != "" {
		return v
	}
	return b.WfUUID()
}

// Label is the workflow label (dax_label, or the 3.x "label").
func (b *Braindump) Label() string {
	if v := b.Values["dax_label"]; v != "" {
		return v
	}
	return b.Values["label"]
}

// DagFile is the DAG file name.
func (b *Braindump) DagFile() string { return b.Values["dag"] }

// SubmitDir is the original submit directory recorded by the planner
// (submit_dir, or the 3.x "run"; else the directory of jsd).
func (b *Braindump) SubmitDir() string {
	if v := b.Values["submit_dir"]; v != "" {
		return v
	}
	if v := b.Values["run"]; v != "" {
		return v
	}
	if v := b.Values["jsd"]; v != "" && filepath.IsAbs(v) {
		return filepath.Dir(v)
	}
	return ""
}

// PlannerVersion is the Pegasus version (planner_version or pegasus_version).
func (b *Braindump) PlannerVersion() string {
	if v := b.Values["planner_version"]; v != "" {
		return v
	}
	return b.Values["pegasus_version"]
}

// Timestamp is the planning time (timestamp or pegasus_wf_time) as epoch seconds.
func (b *Braindump) Timestamp() (float64, bool) {
	v := b.Values["timestamp"]
	if v == "" {
		v = b.Values["pegasus_wf_time"]
	}
	if v == "" {
		return 0, false
	}
	t, ok := ParseISOTime(v)
	if !ok {
		return 0, false
	}
	return float64(int64(t)), true
}

// PlannerArguments returns planner_arguments with its surrounding quotes and
// blanks stripped, as monitord stores it.
func (b *Braindump) PlannerArguments() string {
	return strings.Trim(b.Values["planner_arguments"], "\" \t")
}

// ErrNoBraindump means a directory holds neither braindump.yml nor braindump.txt.
var ErrNoBraindump = errors.New("not a workflow submit directory: no braindump.yml or braindump.txt")

// ReadBraindumpDir reads braindump.yml in dir, else braindump.txt.
func ReadBraindumpDir(dir string) (*Braindump, error) {
	yml := filepath.Join(dir, "braindump.yml")
	if _, err := os.Stat(yml); err == nil {
		return ReadBraindumpFile(yml)
	}
	txt := filepath.Join(dir, "braindump.txt")
	if _, err := os.Stat(txt); err == nil {
		return ReadBraindumpFile(txt)
	}
	return nil, fmt.Errorf("%s: %w", dir, ErrNoBraindump)
}

// ReadBraindumpFile reads a braindump file; the .txt form is "key value" per
// line, anything else is read as YAML.
func ReadBraindumpFile(path string) (*Braindump, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if strings.HasSuffix(path, ".txt") {
		return readBraindumpText(f, path)
	}
	return readBraindumpYAML(f, path)
}

func readBraindumpText(r io.Reader, name string) (*Braindump, error) {
	b := &Braindump{Path: name, Values: map[string]string{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, _ := strings.Cut(line, " ")
		b.Values[k] = strings.TrimSpace(v)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return b, nil
}

func readBraindumpYAML(r io.Reader, name string) (*Braindump, error) {
	var node yaml.Node
	dec := yaml.NewDecoder(r)
	if err := dec.Decode(&node); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &ParseError{File: name, Err: fmt.Errorf("%w: empty braindump", ErrSyntax)}
		}
		return nil, yamlError(name, err)
	}
	b := &Braindump{Path: name, Values: map[string]string{}}
	doc := &node
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	if doc.Kind != yaml.MappingNode {
		return nil, &ParseError{File: name, Line: doc.Line, Err: fmt.Errorf("%w: braindump is not a mapping", ErrSyntax)}
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k, v := doc.Content[i], doc.Content[i+1]
		if v.Kind != yaml.ScalarNode {
			continue
		}
		if v.Tag == "!!null" {
			b.Values[k.Value] = ""
			continue
		}
		b.Values[k.Value] = v.Value
	}
	return b, nil
}

// yamlError turns a yaml error into a ParseError, keeping the line it names.
func yamlError(name string, err error) error {
	msg := err.Error()
	line := 0
	if i := strings.Index(msg, "line "); i >= 0 {
		fmt.Sscanf(msg[i+5:], "%d", &line)
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	if j := strings.Index(msg, ": "); j >= 0 && strings.HasPrefix(msg, "line ") {
		msg = msg[j+2:]
	}
	return &ParseError{File: name, Line: line, Err: fmt.Errorf("%w: %s", ErrSyntax, msg)}
}
