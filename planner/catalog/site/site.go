// Package site reads Pegasus site catalogs in XML (sc-3.0, sc-4.x;
// PLANNER.md §1.4) into one model of sites, directories and profiles.
package site

import (
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// Directory types of a site (sc-4 names; sc-3 layouts are mapped to them).
const (
	SharedScratch = "shared-scratch"
	SharedStorage = "shared-storage"
	LocalScratch  = "local-scratch"
	LocalStorage  = "local-storage"
)

// Sentinel causes of a ParseError.
var (
	ErrSyntax   = errors.New("malformed XML")
	ErrFormat   = errors.New("invalid site catalog")
	ErrNoSite   = errors.New("site not in the site catalog")
	ErrDupSite  = errors.New("duplicate site handle")
	ErrNoLayout = errors.New("site has no such directory")
)

// ParseError is an error at a line of a site catalog.
type ParseError struct {
	File string
	Line int
	Err  error
	Msg  string
}

func (e *ParseError) Error() string {
	s := e.Err.Error()
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, s)
}

// Unwrap returns the cause.
func (e *ParseError) Unwrap() error { return e.Err }

// Profile is a namespace/key/value.
type Profile struct{ Namespace, Key, Value string }

// FileServer is a URL prefix serving a directory, for get, put or all.
type FileServer struct {
	Operation string // get, put, all
	URL       string // URL prefix that maps to Directory.Path
	Profiles  []Profile
}

// Directory is one directory of a site.
type Directory struct {
	Type        string
	Path        string
	FileServers []FileServer
}

// Grid is a grid gateway.
type Grid struct {
	Type, Contact, Scheduler, JobType string
}

// Site is one execution/storage site.
type Site struct {
	Handle                                string
	Arch, OS, OSRelease, OSVersion, Glibc string
	Directories                           []Directory
	Grids                                 []Grid
	Profiles                              []Profile
	Line                                  int
}

// Directory returns the first directory of the given type.
func (s *Site) Directory(typ string) *Directory {
	for i := range s.Directories {
		if s.Directories[i].Type == typ {
			return &s.Directories[i]
		}
	}
	return nil
}

// Scratch returns the shared scratch directory (falling back to local scratch).
func (s *Site) Scratch() *Directory {
	if d := s.Directory(SharedScratch); d != nil {
		return d
	}
	return s.Directory(LocalScratch)
}

// Storage returns shared-storage, else local-storage.
func (s *Site) Storage() *Directory {
	if d := s.Directory(SharedStorage); d != nil {
		return d
	}
	return s.Directory(LocalStorage)
}

// Env returns the value of the env profile key, if set.
func (s *Site) Env(key string) (string, bool) {
	return s.profile("env", key)
}

func (s *Site) profile(ns, key string) (string, bool) {
	v, ok := "", false
	for _, p := range s.Profiles {
		if p.Namespace == ns && p.Key == key {
			v, ok = p.Value, true
		}
	}
	return v, ok
}

// URL returns the URL through which path (inside d) is reached for the
// operation op ("get" or "put"), and false if no file server allows it.
func (d *Directory) URL(path, op string) (string, bool) {
	if !strings.HasPrefix(path, d.Path) {
		return "", false
	}
	rel := path[len(d.Path):]
	for _, fs := range d.FileServers {
		if fs.Operation == "all" || fs.Operation == op {
			return joinURL(fs.URL, rel), true
		}
	}
	return "", false
}

func joinURL(prefix, rel string) string {
	if rel == "" {
		return prefix
	}
	if strings.HasSuffix(prefix, "://") {
		// A bare scheme (sc-3.0 url="file://" with a mount point): the
		// path follows the authority, file:///path.
		return prefix + "/" + strings.TrimLeft(rel, "/")
	}
	return strings.TrimRight(prefix, "/") + "/" + strings.TrimLeft(rel, "/")
}

// Catalog is a set of sites in document order.
type Catalog struct {
	Version string
	Sites   []*Site
	byName  map[string]*Site
	File    string
}

// New returns an empty catalog.
func New() *Catalog { return &Catalog{byName: map[string]*Site{}} }

// Add adds a site; a duplicate handle is an error.
func (c *Catalog) Add(s *Site) error {
	if c.byName == nil {
		c.byName = map[string]*Site{}
	}
	if _, dup := c.byName[s.Handle]; dup {
		return fmt.Errorf("%w: %s", ErrDupSite, s.Handle)
	}
	c.byName[s.Handle] = s
	c.Sites = append(c.Sites, s)
	return nil
}

// Site returns the site called handle, or nil.
func (c *Catalog) Site(handle string) *Site { return c.byName[handle] }

// Handles returns the site handles, sorted.
func (c *Catalog) Handles() []string {
	out := make([]string, 0, len(c.Sites))
	for _, s := range c.Sites {
		out = append(out, s.Handle)
	}
	sort.Strings(out)
	return out
}

// ParseFile reads a site catalog file.
func ParseFile(path string) (*Catalog, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c, err := Parse(f, path)
	if err != nil {
		return nil, err
	}
	c.File = path
	return c, nil
}

type elem struct {
	name     string
	attrs    []xml.Attr
	children []*elem
	text     strings.Builder
	line     int
}

func (e *elem) get(k string) string {
	for _, a := range e.attrs {
		if a.Name.Local == k {
			return a.Value
		}
	}
	return ""
}

// Parse reads an sc-3.0 or sc-4.x document.
func Parse(r io.Reader, name string) (*Catalog, error) {
	d := xml.NewDecoder(bufio.NewReader(r))
	d.Strict = true
	var stack []*elem
	var root *elem
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			line, _ := d.InputPos()
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				line = se.Line
			}
			return nil, &ParseError{File: name, Line: line, Err: ErrSyntax, Msg: strings.TrimPrefix(err.Error(), "XML syntax error on line "+fmt.Sprint(line)+": ")}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			line, _ := d.InputPos()
			e := &elem{name: t.Name.Local, attrs: t.Attr, line: line}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, e)
			} else {
				root = e
			}
			stack = append(stack, e)
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	if root == nil || root.name != "sitecatalog" {
		return nil, &ParseError{File: name, Line: 1, Err: ErrFormat, Msg: "root element is not sitecatalog"}
	}
	c := New()
	c.Version = root.get("version")
	if c.Version == "" {
		c.Version = "3.0"
	}
	v3 := strings.HasPrefix(c.Version, "3")
	if !v3 && !strings.HasPrefix(c.Version, "4") {
		return nil, &ParseError{File: name, Line: root.line, Err: ErrFormat, Msg: fmt.Sprintf("unsupported version %q", c.Version)}
	}
	for _, se := range root.children {
		if se.name != "site" {
			continue
		}
		s := &Site{Handle: se.get("handle"), Arch: se.get("arch"), OS: se.get("os"),
			OSRelease: se.get("osrelease"), OSVersion: se.get("osversion"), Glibc: se.get("glibc"), Line: se.line}
		if s.Handle == "" {
			return nil, &ParseError{File: name, Line: se.line, Err: ErrFormat, Msg: "site needs a handle"}
		}
		for _, ch := range se.children {
			switch ch.name {
			case "profile":
				p, err := profile(ch, name)
				if err != nil {
					return nil, err
				}
				s.Profiles = append(s.Profiles, p)
			case "grid":
				s.Grids = append(s.Grids, Grid{Type: ch.get("type"), Contact: ch.get("contact"), Scheduler: ch.get("scheduler"), JobType: ch.get("jobtype")})
			case "directory":
				dir := Directory{Type: ch.get("type"), Path: ch.get("path")}
				switch dir.Type {
				case SharedScratch, SharedStorage, LocalScratch, LocalStorage:
				default:
					if !strings.Contains(dir.Type, "${") {
						return nil, &ParseError{File: name, Line: ch.line, Err: ErrFormat, Msg: fmt.Sprintf("unknown directory type %q", dir.Type)}
					}
				}
				for _, fs := range ch.children {
					if fs.name != "file-server" {
						continue
					}
					f := FileServer{Operation: fs.get("operation"), URL: fs.get("url")}
					if f.Operation == "" {
						f.Operation = "all"
					}
					for _, pp := range fs.children {
						if pp.name == "profile" {
							p, err := profile(pp, name)
							if err != nil {
								return nil, err
							}
							f.Profiles = append(f.Profiles, p)
						}
					}
					dir.FileServers = append(dir.FileServers, f)
				}
				s.Directories = append(s.Directories, dir)
			case "head-fs", "worker-fs":
				if err := v3Layout(s, ch, ch.name == "worker-fs", name); err != nil {
					return nil, err
				}
			}
		}
		if err := c.Add(s); err != nil {
			return nil, &ParseError{File: name, Line: se.line, Err: ErrDupSite, Msg: s.Handle}
		}
	}
	return c, nil
}

func profile(e *elem, file string) (Profile, error) {
	p := Profile{Namespace: strings.ToLower(e.get("namespace")), Key: e.get("key"), Value: strings.TrimSpace(e.text.String())}
	if p.Namespace == "" || p.Key == "" {
		return p, &ParseError{File: file, Line: e.line, Err: ErrFormat, Msg: "profile needs namespace and key"}
	}
	return p, nil
}

// v3Layout maps head-fs/worker-fs scratch|storage shared|local to directories.
func v3Layout(s *Site, fs *elem, worker bool, file string) error {
	for _, kind := range fs.children {
		switch kind.name {
		case "profile":
			p, err := profile(kind, file)
			if err != nil {
				return err
			}
			s.Profiles = append(s.Profiles, p)
			continue
		case "scratch", "storage":
		default:
			continue
		}
		for _, sl := range kind.children {
			var typ string
			switch {
			case sl.name == "shared" && !worker:
				typ = "shared-" + kind.name
			case sl.name == "local" || sl.name == "wshared" || worker:
				typ = "local-" + kind.name
			default:
				continue
			}
			if worker && s.Directory(typ) != nil {
				continue
			}
			dir := Directory{Type: typ}
			for _, c := range sl.children {
				switch c.name {
				case "internal-mount-point":
					dir.Path = c.get("mount-point")
				case "file-server":
					url := c.get("url")
					mp := c.get("mount-point")
					if mp != "" {
						url = joinURL(url, mp)
					}
					dir.FileServers = append(dir.FileServers, FileServer{Operation: "all", URL: url})
				}
			}
			if dir.Path == "" && len(dir.FileServers) > 0 {
				// Use the file server mount point as the path.
				for _, c := range sl.children {
					if c.name == "file-server" {
						dir.Path = c.get("mount-point")
						break
					}
				}
			}
			// The file server URL names the external mount point; map it to the internal path.
			s.Directories = append(s.Directories, dir)
		}
	}
	return nil
}
