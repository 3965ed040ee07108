package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
)

// ReadPlannerMetrics reads the planner's <label>-<index>.metrics JSON file
// (FORMATS.md §8.1). Counts and app metrics keep their file order.
func ReadPlannerMetrics(path string) (*PlannerMetrics, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, 16<<20))
	if err != nil {
		return nil, err
	}
	return ParsePlannerMetrics(raw, path)
}

// ParsePlannerMetrics parses a planner metrics document.
func ParsePlannerMetrics(raw []byte, name string) (*PlannerMetrics, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, &ParseError{File: name, Line: jsonErrLine(raw, err), Err: fmt.Errorf("%w: %v", ErrSyntax, err)}
	}
	m := &PlannerMetrics{Raw: append([]byte(nil), raw...)}
	str := func(k string) string {
		var s string
		if v, ok := doc[k]; ok {
			if json.Unmarshal(v, &s) != nil {
				s = string(bytes.Trim(v, `"`))
			}
		}
		return s
	}
	num := func(k string) float64 {
		var f float64
		if v, ok := doc[k]; ok {
			if json.Unmarshal(v, &f) != nil {
				f, _ = strconv.ParseFloat(str(k), 64)
			}
		}
		return f
	}
	m.Client, m.Version, m.WfAPI, m.Type = str("client"), str("version"), str("wf_api"), str("type")
	m.StartTime, m.EndTime, m.Duration = num("start_time"), num("end_time"), num("duration")
	m.ExitCode = int(num("exitcode"))
	m.RootUUID, m.UUID, m.DataConfig = str("root_wf_uuid"), str("wf_uuid"), str("data_config")
	m.PlannerArg, m.Error = str("planner_args"), str("error")
	if v, ok := doc["uses_pmc"]; ok {
		var b bool
		if json.Unmarshal(v, &b) == nil {
			m.UsesPMC = b
		} else {
			m.UsesPMC = str("uses_pmc") == "true"
		}
	}
	var err error
	if m.Counts, err = orderedObject(doc["wf_metrics"]); err != nil {
		return nil, &ParseError{File: name, Err: fmt.Errorf("%w: wf_metrics: %v", ErrSyntax, err)}
	}
	if m.AppMetrics, err = orderedObject(doc["app_metrics"]); err != nil {
		return nil, &ParseError{File: name, Err: fmt.Errorf("%w: app_metrics: %v", ErrSyntax, err)}
	}
	return m, nil
}

// orderedObject returns the members of a JSON object in document order, with
// scalar values as text.
func orderedObject(raw json.RawMessage) ([]KV, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("not an object")
	}
	var out []KV
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		var s string
		if json.Unmarshal(v, &s) != nil {
			s = string(v)
		}
		out = append(out, KV{kt.(string), s})
	}
	return out, nil
}

func jsonErrLine(raw []byte, err error) int {
	var se *json.SyntaxError
	off := int64(-1)
	if e, ok := err.(*json.SyntaxError); ok {
		se = e
		off = se.Offset
	}
	if off < 0 {
		return 0
	}
	if off > int64(len(raw)) {
		off = int64(len(raw))
	}
	return 1 + bytes.Count(raw[:off], []byte("\n"))
}
