package planner

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"github.com/pegasus-go/pegasus/planner/catalog/rc"
	"github.com/pegasus-go/pegasus/planner/catalog/site"
	"github.com/pegasus-go/pegasus/planner/catalog/tc"
	"github.com/pegasus-go/pegasus/planner/dax"
)

// workflow is a parsed abstract workflow with the catalogs a YAML 5.0
// workflow may embed.
type workflow struct {
	dax.Workflow
	api      string
	embedded *embeddedCatalogs
}

type embeddedCatalogs struct {
	sites *site.Catalog
	tc    *tc.Catalog
	rc    *rc.Catalog
}

// readWorkflow reads a DAX (XML) or, when the file does not start with '<',
// a YAML 5.0 workflow.
func readWorkflow(path string) (*workflow, string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, path, fmt.Errorf("abstract workflow: %w", err)
	}
	trim := bytes.TrimLeft(data, " \t\r\n\xef\xbb\xbf")
	if len(trim) > 0 && trim[0] != '<' {
		return readYAML(data, path)
	}
	wf, err := dax.ParseOwned(data, path)
	if err != nil {
		return nil, path, err
	}
	return &workflow{Workflow: *wf}, path, nil
}

// ErrVariable is the cause of an error about a ${NAME} in a catalog that
// names no environment variable.
var ErrVariable = errors.New("undefined variable")

// expandVars replaces each ${NAME} of a catalog by the value of the
// environment variable NAME, as Pegasus does in its catalog files. An unset
// (or empty) variable is an error naming the file and line, except in a
// comment line, which is left alone.
func expandVars(data []byte, path string, getenv func(string) string) ([]byte, error) {
	if !bytes.Contains(data, []byte("${")) {
		return data, nil
	}
	out := make([]byte, 0, len(data)+64)
	for n, line := range bytes.SplitAfter(data, []byte("\n")) {
		t := bytes.TrimLeft(line, " \t")
		if len(t) > 0 && t[0] == '#' || !bytes.Contains(line, []byte("${")) {
			out = append(out, line...)
			continue
		}
		for {
			i := bytes.Index(line, []byte("${"))
			if i < 0 {
				break
			}
			k := bytes.IndexByte(line[i:], '}')
			if k < 0 {
				break
			}
			name := string(line[i+2 : i+k])
			v := getenv(name)
			if v == "" || !validVarName(name) {
				return nil, fmt.Errorf("%s:%d: %w ${%s} (set it in the environment)", path, n+1, ErrVariable, name)
			}
			out = append(out, line[:i]...)
			out = append(out, v...)
			line = line[i+k+1:]
		}
		out = append(out, line...)
	}
	return out, nil
}

func validVarName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func readSites(path string, getenv func(string) string) (*site.Catalog, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("site catalog: %w", err)
	}
	if data, err = expandVars(data, path, getenv); err != nil {
		return nil, err
	}
	trim := bytes.TrimLeft(data, " \t\r\n\xef\xbb\xbf")
	if len(trim) > 0 && trim[0] != '<' {
		return readYAMLSites(data, path)
	}
	return site.Parse(bytes.NewReader(data), path)
}

func readTC(path string, getenv func(string) string) (*tc.Catalog, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("transformation catalog: %w", err)
	}
	if data, err = expandVars(data, path, getenv); err != nil {
		return nil, err
	}
	if isYAML(data) {
		return readYAMLTC(data, path)
	}
	return tc.ParseBytes(data, path)
}

// readRC reads a replica file: the text format, or a YAML 5.0 catalog.
// With getenv, ${NAME} variables are expanded (the replica catalog; not
// the cache files the planner writes).
func readRC(path string, getenv func(string) string) (*rc.Catalog, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if getenv != nil {
		if data, err = expandVars(data, path, getenv); err != nil {
			return nil, err
		}
	}
	if isYAML(data) {
		return readYAMLRC(data, path)
	}
	return rc.Parse(bytes.NewReader(data), path)
}

// ReadWorkflowFile reads an abstract workflow, DAX XML or YAML 5.0, as
// pegasus-plan does (embedded catalogs are not returned).
func ReadWorkflowFile(path string) (*dax.Workflow, error) {
	w, _, err := readWorkflow(path)
	if err != nil {
		return nil, err
	}
	return &w.Workflow, nil
}
