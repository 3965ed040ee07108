package transfer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// Kind is what a request asks for.
type Kind uint8

const (
	KindTransfer Kind = iota + 1 // copy (or link) a file to one or more destinations
	KindMkdir                    // create a directory (mkdir -p) or an S3 bucket
	KindRemove                   // remove a file, or a directory tree when Recursive
)

func (k Kind) String() string {
	switch k {
	case KindTransfer:
		return "transfer"
	case KindMkdir:
		return "mkdir"
	case KindRemove:
		return "remove"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Endpoint is one URL with the site it belongs to.
type Endpoint struct {
	Site     string
	URL      string
	Priority int // sources: higher is tried first
}

// Request is one entry of a transfer list.
type Request struct {
	ID      int
	Kind    Kind
	LFN     string
	Linkage string // "input", "output", "inter" (informational)

	Sources []Endpoint // KindTransfer: tried by decreasing priority
	Dests   []Endpoint // KindTransfer: every one receives a copy

	Target    Endpoint // KindMkdir, KindRemove
	Recursive bool     // KindRemove: remove a directory tree

	// GenerateChecksum asks for the sha256 of the transferred file, written
	// to the kickstart integrity data when running under kickstart.
	GenerateChecksum bool
	// VerifySymlinkSource makes a symlink transfer fail when its source
	// does not exist (default true, as Pegasus).
	VerifySymlinkSource bool
}

// ErrFormat marks a transfer list that cannot be read.
var ErrFormat = errors.New("bad transfer list")

// ParseError is a problem in a transfer list, with its position.
type ParseError struct {
	Name string
	Line int // 0 when unknown (JSON errors give an entry number instead)
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Name, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Name, e.Msg)
}

// Unwrap makes errors.Is(err, ErrFormat) true.
func (e *ParseError) Unwrap() error { return ErrFormat }

// ReadRequests reads a transfer list: Pegasus 5's JSON list (entries of
// type "transfer", "mkdir" or "remove"), or the older text format of URL
// pairs (a source line and a destination line, each optionally preceded by
// a "# src_site dst_site" or "# site" comment). The format is chosen by the
// first non-blank character: "[" is JSON.
func ReadRequests(r io.Reader, name string) ([]Request, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, nil
	}
	if trimmed[0] == '[' {
		return parseJSON(trimmed, name)
	}
	return parsePairs(data, name)
}

type jsonEndpoint struct {
	SiteLabel string          `json:"site_label"`
	URL       string          `json:"url"`
	Priority  json.RawMessage `json:"priority"`
	Recursive json.RawMessage `json:"recursive"`
}

type jsonEntry struct {
	Type                string          `json:"type"`
	Linkage             string          `json:"linkage"`
	LFN                 string          `json:"lfn"`
	ID                  json.RawMessage `json:"id"`
	GenerateChecksum    json.RawMessage `json:"generate_checksum"`
	VerifySymlinkSource json.RawMessage `json:"verify_symlink_source"`
	SrcURLs             []jsonEndpoint  `json:"src_urls"`
	DestURLs            []jsonEndpoint  `json:"dest_urls"`
	Target              *jsonEndpoint   `json:"target"`
	Targets             []jsonEndpoint  `json:"targets"`
	Recursive           json.RawMessage `json:"recursive"`
}

func parseJSON(data []byte, name string) ([]Request, error) {
	var entries []jsonEntry
	if err := json.Unmarshal(data, &entries); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, &ParseError{Name: name, Line: 1 + bytes.Count(data[:se.Offset], []byte("\n")), Msg: se.Error()}
		}
		return nil, &ParseError{Name: name, Msg: err.Error()}
	}
	out := make([]Request, 0, len(entries))
	for i, e := range entries {
		bad := func(format string, args ...any) error {
			return &ParseError{Name: name, Msg: fmt.Sprintf("entry %d: ", i+1) + fmt.Sprintf(format, args...)}
		}
		req := Request{Linkage: e.Linkage, LFN: e.LFN, ID: i + 1, VerifySymlinkSource: true}
		if id, ok := jsonInt(e.ID); ok {
			req.ID = id
		}
		req.GenerateChecksum = jsonBool(e.GenerateChecksum, false)
		req.VerifySymlinkSource = jsonBool(e.VerifySymlinkSource, true)
		switch strings.ToLower(e.Type) {
		case "transfer", "":
			req.Kind = KindTransfer
			for _, s := range e.SrcURLs {
				p, _ := jsonInt(s.Priority)
				req.Sources = append(req.Sources, Endpoint{Site: s.SiteLabel, URL: s.URL, Priority: p})
			}
			for _, d := range e.DestURLs {
				req.Dests = append(req.Dests, Endpoint{Site: d.SiteLabel, URL: d.URL})
			}
			if len(req.Sources) == 0 || len(req.Dests) == 0 {
				return nil, bad("a transfer needs src_urls and dest_urls")
			}
			for _, ep := range append(append([]Endpoint(nil), req.Sources...), req.Dests...) {
				if ep.URL == "" {
					return nil, bad("empty url")
				}
			}
			sort.SliceStable(req.Sources, func(a, b int) bool { return req.Sources[a].Priority > req.Sources[b].Priority })
			out = append(out, req)
		case "mkdir", "remove":
			req.Kind = KindMkdir
			if strings.EqualFold(e.Type, "remove") {
				req.Kind = KindRemove
			}
			targets := e.Targets
			if e.Target != nil {
				targets = append([]jsonEndpoint{*e.Target}, targets...)
			}
			if len(targets) == 0 {
				return nil, bad("a %s needs a target", strings.ToLower(e.Type))
			}
			for _, t := range targets {
				if t.URL == "" {
					return nil, bad("empty url")
				}
				r := req
				r.Target = Endpoint{Site: t.SiteLabel, URL: t.URL}
				r.Recursive = jsonBool(t.Recursive, false) || jsonBool(e.Recursive, false)
				out = append(out, r)
			}
		default:
			return nil, bad("unknown type %q", e.Type)
		}
	}
	return out, nil
}

// jsonInt reads a number or a string holding one.
func jsonInt(raw json.RawMessage) (int, bool) {
	if len(raw) == 0 {
		return 0, false
	}
	s := strings.Trim(string(raw), `"`)
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// jsonBool reads true/false or the strings Pegasus writes ("True", "true").
func jsonBool(raw json.RawMessage, def bool) bool {
	if len(raw) == 0 || string(raw) == "null" {
		return def
	}
	switch strings.ToLower(strings.Trim(string(raw), `"`)) {
	case "true", "yes", "1":
		return true
	case "false", "no", "0":
		return false
	}
	return def
}

// parsePairs reads the text format: URL lines in pairs (source,
// destination). A comment "# a b" before a pair names the source and
// destination sites; "# src a" / "# dst b" name one each.
func parsePairs(data []byte, name string) ([]Request, error) {
	var out []Request
	var srcSite, dstSite string
	var pending *Endpoint
	pendingLine := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		if text[0] == '#' {
			f := strings.Fields(strings.TrimSpace(text[1:]))
			switch {
			case len(f) == 2 && (f[0] == "src" || f[0] == "source"):
				srcSite = f[1]
			case len(f) == 2 && (f[0] == "dst" || f[0] == "dest" || f[0] == "destination"):
				dstSite = f[1]
			case len(f) == 2:
				srcSite, dstSite = f[0], f[1]
			}
			continue
		}
		if strings.ContainsAny(text, " \t") {
			return nil, &ParseError{Name: name, Line: line, Msg: fmt.Sprintf("%q: one URL per line expected", text)}
		}
		if pending == nil {
			pending, pendingLine = &Endpoint{Site: srcSite, URL: text}, line
			continue
		}
		out = append(out, Request{ID: len(out) + 1, Kind: KindTransfer, Sources: []Endpoint{*pending},
			Dests: []Endpoint{{Site: dstSite, URL: text}}, VerifySymlinkSource: true})
		pending = nil
	}
	if err := sc.Err(); err != nil {
		return nil, &ParseError{Name: name, Line: line, Msg: err.Error()}
	}
	if pending != nil {
		return nil, &ParseError{Name: name, Line: pendingLine, Msg: fmt.Sprintf("source %s has no destination", pending.URL)}
	}
	return out, nil
}

// ReadTargets reads a list for pegasus-dirmanager or pegasus-cleanup: the
// JSON list (its mkdir/remove entries) or one URL per line ("#" comments
// and blank lines skipped), each becoming a request of the given kind.
func ReadTargets(r io.Reader, name string, kind Kind, recursive bool) ([]Request, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		reqs, err := parseJSON(trimmed, name)
		if err != nil {
			return nil, err
		}
		for i := range reqs {
			if reqs[i].Kind == kind && recursive {
				reqs[i].Recursive = true
			}
		}
		return reqs, nil
	}
	var out []Request
	line := 0
	for _, l := range strings.Split(string(data), "\n") {
		line++
		l = strings.TrimSpace(l)
		if l == "" || l[0] == '#' {
			continue
		}
		if strings.ContainsAny(l, " \t") {
			return nil, &ParseError{Name: name, Line: line, Msg: fmt.Sprintf("%q: one URL per line expected", l)}
		}
		out = append(out, Request{ID: len(out) + 1, Kind: kind, Target: Endpoint{URL: l}, Recursive: recursive})
	}
	return out, nil
}
