package planner

import (
	"bytes"
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

func readSites(path string) (*site.Catalog, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("site catalog: %w", err)
	}
	trim := bytes.TrimLeft(data, " \t\r\n\xef\xbb\xbf")
	if len(trim) > 0 && trim[0] != '<' {
		return readYAMLSites(data, path)
	}
	return site.Parse(bytes.NewReader(data), path)
}

func readTC(path string) (*tc.Catalog, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("transformation catalog: %w", err)
	}
	if isYAML(data) {
		return readYAMLTC(data, path)
	}
	return tc.ParseBytes(data, path)
}

// readRC reads a replica file: the text format, or a YAML 5.0 catalog.
func readRC(path string) (*rc.Catalog, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
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
