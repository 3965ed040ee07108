package planner

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/pegasus-go/pegasus/planner/catalog/rc"
	"github.com/pegasus-go/pegasus/planner/catalog/site"
	"github.com/pegasus-go/pegasus/planner/catalog/tc"
	"github.com/pegasus-go/pegasus/planner/dax"
)

// ErrYAML is the cause of every error in a YAML 5.0 workflow or catalog.
var ErrYAML = errors.New("invalid Pegasus 5.0 YAML")

// YAMLError is an error at a line of a YAML workflow or catalog.
type YAMLError struct {
	File string
	Line int
	Msg  string
}

func (e *YAMLError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v: %s", e.File, e.Line, ErrYAML, e.Msg)
	}
	return fmt.Sprintf("%s: %v: %s", e.File, ErrYAML, e.Msg)
}

// Unwrap returns ErrYAML.
func (e *YAMLError) Unwrap() error { return ErrYAML }

// ydoc walks a parsed YAML document, turning shape errors into YAMLErrors.
type ydoc struct{ file string }

func (d ydoc) errf(n *yaml.Node, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &YAMLError{File: d.file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// parse reads data into its root mapping.
func (d ydoc) parse(data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line := 0
		msg := err.Error()
		// yaml: line N: message
		if rest, ok := strings.CutPrefix(msg, "yaml: line "); ok {
			if i := strings.IndexByte(rest, ':'); i > 0 {
				if n, err := strconv.Atoi(rest[:i]); err == nil {
					line, msg = n, strings.TrimSpace(rest[i+1:])
				}
			}
		}
		return nil, &YAMLError{File: d.file, Line: line, Msg: msg}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, &YAMLError{File: d.file, Msg: "empty document"}
	}
	root := resolve(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		return nil, d.errf(root, "the document is not a mapping")
	}
	return root, nil
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// each calls fn for every key/value of a mapping.
func (d ydoc) each(n *yaml.Node, what string, fn func(key string, k, v *yaml.Node) error) error {
	n = resolve(n)
	if n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return d.errf(n, "%s must be a mapping", what)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			return d.errf(k, "%s: keys must be scalars", what)
		}
		if err := fn(k.Value, k, v); err != nil {
			return err
		}
	}
	return nil
}

// list calls fn for every item of a sequence (null is an empty list).
func (d ydoc) list(n *yaml.Node, what string, fn func(item *yaml.Node) error) error {
	n = resolve(n)
	if n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		return d.errf(n, "%s must be a list", what)
	}
	for _, it := range n.Content {
		if err := fn(resolve(it)); err != nil {
			return err
		}
	}
	return nil
}

// str returns a scalar's text.
func (d ydoc) str(n *yaml.Node, what string) (string, error) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode {
		return "", d.errf(n, "%s must be a scalar", what)
	}
	if n.Tag == "!!null" {
		return "", nil
	}
	return n.Value, nil
}

func (d ydoc) boolean(n *yaml.Node, what string) (bool, error) {
	s, err := d.str(n, what)
	if err != nil {
		return false, err
	}
	switch strings.ToLower(s) {
	case "true", "yes", "on", "1":
		return true, nil
	case "false", "no", "off", "0", "":
		return false, nil
	}
	return false, d.errf(n, "%s: %q is not a boolean", what, s)
}

// profiles reads {namespace: {key: value}}.
func (d ydoc) profiles(n *yaml.Node) ([]dax.Profile, error) {
	var out []dax.Profile
	err := d.each(n, "profiles", func(ns string, _, v *yaml.Node) error {
		ns = strings.ToLower(ns)
		switch ns {
		case "env", "condor", "globus", "dagman", "pegasus", "hints", "selector", "stat":
		default:
			return d.errf(v, "unknown profile namespace %q", ns)
		}
		return d.each(v, "profiles."+ns, func(key string, _, val *yaml.Node) error {
			s, err := d.str(val, "profile "+ns+"."+key)
			if err != nil {
				return err
			}
			out = append(out, dax.Profile{Namespace: ns, Key: key, Value: s})
			return nil
		})
	})
	return out, err
}

// metadata reads {key: value} in document order.
func (d ydoc) metadata(n *yaml.Node) ([]dax.KV, error) {
	var out []dax.KV
	err := d.each(n, "metadata", func(k string, _, v *yaml.Node) error {
		s, err := d.str(v, "metadata "+k)
		out = append(out, dax.KV{Key: k, Value: s})
		return err
	})
	return out, err
}

// hooks reads {shell: [{_on: when, cmd: command}]}.
func (d ydoc) hooks(n *yaml.Node) ([]dax.Invoke, error) {
	var out []dax.Invoke
	err := d.each(n, "hooks", func(kind string, _, v *yaml.Node) error {
		if kind != "shell" {
			return d.errf(v, "unknown hook type %q (supported: shell)", kind)
		}
		return d.list(v, "hooks.shell", func(it *yaml.Node) error {
			var iv dax.Invoke
			err := d.each(it, "hook", func(k string, _, val *yaml.Node) error {
				s, err := d.str(val, "hook "+k)
				switch k {
				case "_on":
					iv.When = s
				case "cmd":
					iv.Command = s
				}
				return err
			})
			if err != nil {
				return err
			}
			w, ok := dax.NormalizeWhen(iv.When)
			if !ok {
				return d.errf(it, "hook _on %q", iv.When)
			}
			iv.When = w
			out = append(out, iv)
			return nil
		})
	})
	return out, err
}

// checkVersion accepts pegasus: 5.0 and 5.0.x.
func (d ydoc) checkVersion(root *yaml.Node) (string, error) {
	var ver string
	var vn *yaml.Node
	_ = d.each(root, "document", func(k string, _, v *yaml.Node) error {
		if k == "pegasus" {
			vn = v
			ver, _ = d.str(v, "pegasus")
		}
		return nil
	})
	if vn == nil {
		return "", d.errf(root, "no pegasus version key (pegasus: \"5.0\")")
	}
	if ver != "5.0" && !strings.HasPrefix(ver, "5.0.") {
		return "", d.errf(vn, "pegasus version %q (supported: 5.0)", ver)
	}
	return ver, nil
}

// readYAML reads a Pegasus 5.0 YAML workflow with its embedded catalogs.
func readYAML(data []byte, path string) (*workflow, string, error) {
	d := ydoc{file: path}
	root, err := d.parse(data)
	if err != nil {
		return nil, path, err
	}
	ver, err := d.checkVersion(root)
	if err != nil {
		return nil, path, err
	}
	w := &workflow{}
	w.Version = ver
	ids := map[string]int{}
	err = d.each(root, "workflow", func(key string, k, v *yaml.Node) error {
		var err error
		switch key {
		case "pegasus":
		case "name":
			w.Name, err = d.str(v, "name")
		case "x-pegasus":
			err = d.each(v, "x-pegasus", func(k string, _, val *yaml.Node) error {
				if k == "apiLang" {
					w.api, _ = d.str(val, k)
				}
				return nil
			})
		case "metadata":
			w.Metadata, err = d.metadata(v)
		case "hooks":
			w.Invokes, err = d.hooks(v)
		case "jobs":
			err = d.list(v, "jobs", func(it *yaml.Node) error {
				j, err := d.job(it)
				if err != nil {
					return err
				}
				if l, dup := ids[j.ID]; dup {
					return &dax.ParseError{File: path, Line: j.Line, Err: dax.ErrDuplicateID, Msg: fmt.Sprintf("%s (first defined on line %d)", j.ID, l)}
				}
				ids[j.ID] = j.Line
				w.Jobs = append(w.Jobs, j)
				return nil
			})
		case "jobDependencies":
			err = d.list(v, "jobDependencies", func(it *yaml.Node) error {
				var parent string
				var children []*yaml.Node
				err := d.each(it, "dependency", func(k string, _, val *yaml.Node) error {
					switch k {
					case "id":
						s, err := d.str(val, "id")
						parent = s
						return err
					case "children":
						return d.list(val, "children", func(c *yaml.Node) error {
							children = append(children, c)
							return nil
						})
					}
					return nil
				})
				if err != nil {
					return err
				}
				for _, c := range children {
					s, err := d.str(c, "child")
					if err != nil {
						return err
					}
					w.Edges = append(w.Edges, dax.Edge{Parent: parent, Child: s, Line: c.Line})
				}
				return nil
			})
		case "siteCatalog":
			w.ensureEmbedded().sites, err = d.sites(v)
		case "transformationCatalog":
			w.ensureEmbedded().tc, err = d.transformations(v)
		case "replicaCatalog":
			w.ensureEmbedded().rc, err = d.replicas(v)
		}
		return err
	})
	if err != nil {
		return nil, path, err
	}
	if w.Name == "" {
		return nil, path, d.errf(root, "the workflow has no name")
	}
	for _, e := range w.Edges {
		for _, r := range []string{e.Parent, e.Child} {
			if _, ok := ids[r]; !ok {
				return nil, path, &dax.ParseError{File: path, Line: e.Line, Err: dax.ErrUnknownJob, Msg: r}
			}
		}
	}
	return w, path, nil
}

func (w *workflow) ensureEmbedded() *embeddedCatalogs {
	if w.embedded == nil {
		w.embedded = &embeddedCatalogs{}
	}
	return w.embedded
}

// job reads one element of jobs.
func (d ydoc) job(n *yaml.Node) (*dax.Job, error) {
	j := &dax.Job{Line: n.Line}
	typ := ""
	var args []string
	err := d.each(n, "job", func(key string, k, v *yaml.Node) error {
		var err error
		switch key {
		case "type":
			typ, err = d.str(v, "type")
		case "name":
			j.Name, err = d.str(v, "name")
		case "namespace":
			j.Namespace, err = d.str(v, "namespace")
		case "version":
			j.Version, err = d.str(v, "version")
		case "id":
			j.ID, err = d.str(v, "id")
		case "nodeLabel":
			j.NodeLabel, err = d.str(v, "nodeLabel")
		case "file":
			j.File, err = d.str(v, "file")
		case "stdin":
			j.Stdin, err = d.str(v, "stdin")
		case "stdout":
			j.Stdout, err = d.str(v, "stdout")
		case "stderr":
			j.Stderr, err = d.str(v, "stderr")
		case "arguments":
			err = d.list(v, "arguments", func(a *yaml.Node) error {
				s, err := d.str(a, "argument")
				args = append(args, s)
				return err
			})
		case "profiles":
			j.Profiles, err = d.profiles(v)
		case "metadata":
			j.Metadata, err = d.metadata(v)
		case "hooks":
			j.Invokes, err = d.hooks(v)
		case "uses":
			err = d.list(v, "uses", func(u *yaml.Node) error {
				use, err := d.use(u)
				if err == nil {
					j.Uses = append(j.Uses, use)
				}
				return err
			})
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	j.Argument = strings.Join(args, " ")
	switch typ {
	case "job", "":
		j.Kind = dax.Compute
		if j.Name == "" {
			return nil, d.errf(n, "job %s has no name", j.ID)
		}
	case "pegasusWorkflow":
		j.Kind = dax.DAXTask
	case "condorWorkflow":
		j.Kind = dax.DAGTask
	default:
		return nil, d.errf(n, "job type %q (want job, pegasusWorkflow or condorWorkflow)", typ)
	}
	if j.Kind != dax.Compute && j.File == "" {
		return nil, d.errf(n, "%s %s has no file", typ, j.ID)
	}
	if j.ID == "" {
		return nil, d.errf(n, "a job has no id")
	}
	for _, c := range j.ID {
		if !(c == '-' || c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return nil, d.errf(n, "job id %q", j.ID)
		}
	}
	return j, nil
}

// use reads one element of a job's uses.
func (d ydoc) use(n *yaml.Node) (dax.Use, error) {
	u := dax.Use{Register: true, Transfer: dax.TransferTrue}
	stageOut, register := true, true
	hasStage, hasReg := false, false
	err := d.each(n, "use", func(key string, k, v *yaml.Node) error {
		var err error
		switch key {
		case "lfn":
			u.Name, err = d.str(v, "lfn")
		case "type":
			var s string
			if s, err = d.str(v, "type"); err != nil {
				return err
			}
			switch s {
			case "input":
				u.Link = dax.LinkInput
			case "output":
				u.Link = dax.LinkOutput
			case "inout", "checkpoint":
				u.Link = dax.LinkInout
				if s == "checkpoint" {
					u.Optional = true
				}
			default:
				return d.errf(v, "use type %q (want input, output, inout or checkpoint)", s)
			}
		case "stageOut":
			stageOut, err = d.boolean(v, "stageOut")
			hasStage = true
		case "registerReplica":
			register, err = d.boolean(v, "registerReplica")
			hasReg = true
		case "optional":
			u.Optional, err = d.boolean(v, "optional")
		case "size":
			u.Size, err = d.str(v, "size")
		case "metadata":
			u.Metadata, err = d.metadata(v)
		}
		return err
	})
	if err != nil {
		return u, err
	}
	if u.Name == "" {
		return u, d.errf(n, "a use has no lfn")
	}
	if u.Link == dax.LinkNone {
		return u, d.errf(n, "use %s has no type", u.Name)
	}
	// Inputs are always staged in; outputs are staged out and registered
	// as the workflow says (the 5.0 API defaults both to true).
	if u.Link.IsOutput() {
		if hasStage && !stageOut {
			u.Transfer = dax.TransferFalse
		}
		if hasReg {
			u.Register = register
		}
	}
	return u, nil
}

var yamlDirTypes = map[string]string{
	"sharedScratch": site.SharedScratch, "sharedStorage": site.SharedStorage,
	"localScratch": site.LocalScratch, "localStorage": site.LocalStorage,
}

// sites reads {sites: [...]} (a site catalog document or an embedded one).
func (d ydoc) sites(n *yaml.Node) (*site.Catalog, error) {
	c := site.New()
	err := d.each(n, "site catalog", func(key string, _, v *yaml.Node) error {
		if key != "sites" {
			return nil
		}
		return d.list(v, "sites", func(sn *yaml.Node) error {
			s := &site.Site{Line: sn.Line}
			err := d.each(sn, "site", func(key string, _, v *yaml.Node) error {
				var err error
				switch key {
				case "name":
					s.Handle, err = d.str(v, "name")
				case "arch":
					s.Arch, err = d.str(v, "arch")
				case "os.type":
					s.OS, err = d.str(v, "os.type")
				case "os.release":
					s.OSRelease, err = d.str(v, "os.release")
				case "os.version":
					s.OSVersion, err = d.str(v, "os.version")
				case "profiles":
					var ps []dax.Profile
					ps, err = d.profiles(v)
					for _, p := range ps {
						s.Profiles = append(s.Profiles, site.Profile{Namespace: p.Namespace, Key: p.Key, Value: p.Value})
					}
				case "grids":
					err = d.list(v, "grids", func(g *yaml.Node) error {
						var gr site.Grid
						err := d.each(g, "grid", func(k string, _, val *yaml.Node) error {
							s, err := d.str(val, "grid "+k)
							switch k {
							case "type":
								gr.Type = s
							case "contact":
								gr.Contact = s
							case "scheduler":
								gr.Scheduler = s
							case "jobtype":
								gr.JobType = s
							}
							return err
						})
						s.Grids = append(s.Grids, gr)
						return err
					})
				case "directories":
					err = d.list(v, "directories", func(dn *yaml.Node) error {
						var dir site.Directory
						err := d.each(dn, "directory", func(k string, _, val *yaml.Node) error {
							switch k {
							case "type":
								t, err := d.str(val, "type")
								if err != nil {
									return err
								}
								dt, ok := yamlDirTypes[t]
								if !ok {
									return d.errf(val, "directory type %q (want sharedScratch, sharedStorage, localScratch or localStorage)", t)
								}
								dir.Type = dt
							case "path":
								p, err := d.str(val, "path")
								dir.Path = p
								return err
							case "fileServers":
								return d.list(val, "fileServers", func(fn *yaml.Node) error {
									var fs site.FileServer
									err := d.each(fn, "file server", func(k string, _, x *yaml.Node) error {
										s, err := d.str(x, "file server "+k)
										switch k {
										case "url":
											fs.URL = s
										case "operation":
											fs.Operation = s
										}
										return err
									})
									if fs.Operation == "" {
										fs.Operation = "all"
									}
									dir.FileServers = append(dir.FileServers, fs)
									return err
								})
							}
							return nil
						})
						if err != nil {
							return err
						}
						if dir.Type == "" || dir.Path == "" {
							return d.errf(dn, "a directory needs a type and a path")
						}
						s.Directories = append(s.Directories, dir)
						return nil
					})
				}
				return err
			})
			if err != nil {
				return err
			}
			if s.Handle == "" {
				return d.errf(sn, "a site has no name")
			}
			if err := c.Add(s); err != nil {
				return d.errf(sn, "%v", err)
			}
			return nil
		})
	})
	return c, err
}

// transformations reads {transformations: [...]}.
func (d ydoc) transformations(n *yaml.Node) (*tc.Catalog, error) {
	c := &tc.Catalog{}
	err := d.each(n, "transformation catalog", func(key string, _, v *yaml.Node) error {
		if key != "transformations" {
			return nil
		}
		return d.list(v, "transformations", func(tn *yaml.Node) error {
			var ns, name, ver string
			var trProfiles []tc.Profile
			var siteNodes []*yaml.Node
			err := d.each(tn, "transformation", func(key string, _, v *yaml.Node) error {
				var err error
				switch key {
				case "name":
					name, err = d.str(v, "name")
				case "namespace":
					ns, err = d.str(v, "namespace")
				case "version":
					ver, err = d.str(v, "version")
				case "profiles":
					var ps []dax.Profile
					ps, err = d.profiles(v)
					for _, p := range ps {
						trProfiles = append(trProfiles, tc.Profile{Namespace: p.Namespace, Key: p.Key, Value: p.Value})
					}
				case "sites":
					err = d.list(v, "sites", func(s *yaml.Node) error {
						siteNodes = append(siteNodes, s)
						return nil
					})
				}
				return err
			})
			if err != nil {
				return err
			}
			if name == "" {
				return d.errf(tn, "a transformation has no name")
			}
			for _, sn := range siteNodes {
				e := &tc.Entry{Namespace: ns, Name: name, Version: ver, Type: tc.Installed, Line: sn.Line,
					Profiles: append([]tc.Profile(nil), trProfiles...)}
				err := d.each(sn, "transformation site", func(key string, _, v *yaml.Node) error {
					var err error
					switch key {
					case "name":
						e.Site, err = d.str(v, "name")
					case "pfn":
						e.PFN, err = d.str(v, "pfn")
					case "type":
						var t string
						if t, err = d.str(v, "type"); err != nil {
							return err
						}
						switch strings.ToLower(t) {
						case "installed":
							e.Type = tc.Installed
						case "stageable":
							e.Type = tc.Stageable
						default:
							return d.errf(v, "transformation type %q (want installed or stageable)", t)
						}
					case "arch":
						e.Arch, err = d.str(v, "arch")
					case "os.type":
						e.OS, err = d.str(v, "os.type")
					case "os.release":
						e.OSRelease, err = d.str(v, "os.release")
					case "os.version":
						e.OSVersion, err = d.str(v, "os.version")
					case "profiles":
						var ps []dax.Profile
						ps, err = d.profiles(v)
						for _, p := range ps {
							e.Profiles = append(e.Profiles, tc.Profile{Namespace: p.Namespace, Key: p.Key, Value: p.Value})
						}
					case "metadata":
						var md []dax.KV
						md, err = d.metadata(v)
						for _, kv := range md {
							e.Metadata = append(e.Metadata, tc.Profile{Key: kv.Key, Value: kv.Value})
						}
					}
					return err
				})
				if err != nil {
					return err
				}
				if e.Site == "" || e.PFN == "" {
					return d.errf(sn, "transformation %s: a site needs a name and a pfn", dax.FQN(ns, name, ver))
				}
				c.Add(e)
			}
			return nil
		})
	})
	return c, err
}

// replicas reads {replicas: [...]}.
func (d ydoc) replicas(n *yaml.Node) (*rc.Catalog, error) {
	c := rc.New()
	err := d.each(n, "replica catalog", func(key string, _, v *yaml.Node) error {
		if key != "replicas" {
			return nil
		}
		return d.list(v, "replicas", func(rn *yaml.Node) error {
			var lfn string
			var attrs []rc.Attr
			type pfn struct {
				url, site string
				line      int
			}
			var pfns []pfn
			regex := false
			err := d.each(rn, "replica", func(key string, _, v *yaml.Node) error {
				var err error
				switch key {
				case "lfn":
					lfn, err = d.str(v, "lfn")
				case "regex":
					regex, err = d.boolean(v, "regex")
				case "pfns":
					err = d.list(v, "pfns", func(pn *yaml.Node) error {
						p := pfn{line: pn.Line}
						err := d.each(pn, "pfn", func(k string, _, x *yaml.Node) error {
							s, err := d.str(x, "pfn "+k)
							switch k {
							case "pfn":
								p.url = s
							case "site":
								p.site = s
							}
							return err
						})
						pfns = append(pfns, p)
						return err
					})
				case "checksum":
					err = d.each(v, "checksum", func(k string, _, x *yaml.Node) error {
						s, err := d.str(x, "checksum "+k)
						attrs = append(attrs, rc.Attr{Key: "checksum.type", Value: k}, rc.Attr{Key: "checksum.value", Value: s})
						return err
					})
				case "metadata":
					var md []dax.KV
					md, err = d.metadata(v)
					for _, kv := range md {
						attrs = append(attrs, rc.Attr{Key: kv.Key, Value: kv.Value})
					}
				}
				return err
			})
			if err != nil {
				return err
			}
			if regex {
				return d.errf(rn, "replica %s: regular-expression replicas are not supported", lfn)
			}
			if lfn == "" {
				return d.errf(rn, "a replica has no lfn")
			}
			for _, p := range pfns {
				if p.url == "" || p.site == "" {
					return d.errf(rn, "replica %s: a pfn needs pfn and site", lfn)
				}
				u := p.url
				if strings.HasPrefix(u, "/") {
					u = "file://" + u
				}
				c.Add(&rc.Replica{LFN: lfn, PFN: u, Attrs: append([]rc.Attr{{Key: "site", Value: p.site}}, attrs...), File: d.file, Line: p.line})
			}
			return nil
		})
	})
	return c, err
}

// readYAMLSites reads a Pegasus 5.0 YAML site catalog.
func readYAMLSites(data []byte, path string) (*site.Catalog, error) {
	d := ydoc{file: path}
	root, err := d.parse(data)
	if err != nil {
		return nil, err
	}
	if _, err := d.checkVersion(root); err != nil {
		return nil, err
	}
	c, err := d.sites(root)
	if err == nil {
		c.File = path
	}
	return c, err
}

// readYAMLTC reads a Pegasus 5.0 YAML transformation catalog.
func readYAMLTC(data []byte, path string) (*tc.Catalog, error) {
	d := ydoc{file: path}
	root, err := d.parse(data)
	if err != nil {
		return nil, err
	}
	if _, err := d.checkVersion(root); err != nil {
		return nil, err
	}
	return d.transformations(root)
}

// readYAMLRC reads a Pegasus 5.0 YAML replica catalog.
func readYAMLRC(data []byte, path string) (*rc.Catalog, error) {
	d := ydoc{file: path}
	root, err := d.parse(data)
	if err != nil {
		return nil, err
	}
	if _, err := d.checkVersion(root); err != nil {
		return nil, err
	}
	return d.replicas(root)
}

// isYAML reports whether a catalog file is a YAML document: its first
// significant line is a "key:" mapping entry (text catalogs start with
// "tr", replica files with "LFN PFN").
func isYAML(data []byte) bool {
	for _, line := range bytes.Split(data, []byte("\n")) {
		t := bytes.TrimSpace(line)
		if len(t) == 0 || t[0] == '#' {
			continue
		}
		if bytes.Equal(t, []byte("---")) {
			return true
		}
		i := bytes.IndexByte(t, ':')
		if i <= 0 {
			return false
		}
		key := t[:i]
		if bytes.ContainsAny(key, " \t\"'") {
			return false
		}
		return i == len(t)-1 || t[i+1] == ' ' || t[i+1] == '\t'
	}
	return false
}
