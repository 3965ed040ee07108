package dax

import (
	"bufio"
	"encoding/xml"
	"io"
	"strconv"
	"strings"
)

// Write renders wf as a DAX 3.6 document. Arguments are written as text:
// file references are not marked up again, which the parser reads back to
// the same Argument string. Parse(Write(wf)) yields wf again (with Version
// "3.6") for any wf whose strings hold no line breaks.
func Write(w io.Writer, wf *Workflow) error {
	bw := bufio.NewWriterSize(w, 256*1024)
	x := &xw{w: bw}
	x.s(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	x.s(`<adag xmlns="http://pegasus.isi.edu/schema/DAX" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://pegasus.isi.edu/schema/DAX http://pegasus.isi.edu/schema/dax-3.6.xsd" version="3.6"`)
	x.attr("name", wf.Name)
	x.attr("index", strconv.Itoa(wf.Index))
	if wf.Count != "" {
		x.attr("count", wf.Count)
	}
	x.s(">\n")
	for _, m := range wf.Metadata {
		x.metadata(1, m)
	}
	for _, iv := range wf.Invokes {
		x.invoke(1, iv)
	}
	for _, f := range wf.Files {
		x.indent(1)
		x.s("<file")
		x.attr("name", f.Name)
		x.s(">\n")
		// dax-3.6.xsd CatalogType: profile*, metadata*, pfn*.
		for _, p := range f.Profiles {
			x.profile(2, p)
		}
		for _, m := range f.Metadata {
			x.metadata(2, m)
		}
		for _, p := range f.PFNs {
			x.pfn(2, p)
		}
		x.indent(1)
		x.s("</file>\n")
	}
	for _, e := range wf.Executables {
		x.indent(1)
		x.s("<executable")
		x.opt("namespace", e.Namespace)
		x.attr("name", e.Name)
		x.opt("version", e.Version)
		x.opt("arch", e.Arch)
		x.opt("os", e.OS)
		x.opt("osrelease", e.OSRelease)
		x.opt("osversion", e.OSVersion)
		x.opt("glibc", e.Glibc)
		x.attr("installed", strconv.FormatBool(e.Installed))
		x.s(">\n")
		for _, p := range e.Profiles {
			x.profile(2, p)
		}
		for _, m := range e.Metadata {
			x.metadata(2, m)
		}
		for _, p := range e.PFNs {
			x.pfn(2, p)
		}
		for _, iv := range e.Invokes {
			x.invoke(2, iv)
		}
		x.indent(1)
		x.s("</executable>\n")
	}
	for _, t := range wf.Transformations {
		x.indent(1)
		x.s("<transformation")
		x.opt("namespace", t.Namespace)
		x.attr("name", t.Name)
		x.opt("version", t.Version)
		x.s(">\n")
		for _, m := range t.Metadata {
			x.metadata(2, m)
		}
		for _, u := range t.Uses {
			x.indent(2)
			x.s("<uses")
			x.opt("namespace", u.Namespace)
			x.attr("name", u.Name)
			x.opt("version", u.Version)
			x.attr("executable", strconv.FormatBool(u.Executable))
			x.s("/>\n")
		}
		for _, iv := range t.Invokes {
			x.invoke(2, iv)
		}
		x.indent(1)
		x.s("</transformation>\n")
	}
	for _, j := range wf.Jobs {
		x.job(j)
	}
	// Dependencies grouped by child, children in order of first appearance.
	order := []string{}
	byChild := map[string][]Edge{}
	for _, e := range wf.Edges {
		if _, ok := byChild[e.Child]; !ok {
			order = append(order, e.Child)
		}
		byChild[e.Child] = append(byChild[e.Child], e)
	}
	for _, c := range order {
		x.indent(1)
		x.s("<child")
		x.attr("ref", c)
		x.s(">\n")
		for _, e := range byChild[c] {
			x.indent(2)
			x.s("<parent")
			x.attr("ref", e.Parent)
			x.opt("edge-label", e.Label)
			x.s("/>\n")
		}
		x.indent(1)
		x.s("</child>\n")
	}
	x.s("</adag>\n")
	if x.err != nil {
		return x.err
	}
	return bw.Flush()
}

type xw struct {
	w   *bufio.Writer
	err error
}

func (x *xw) s(s string) {
	if x.err == nil {
		_, x.err = x.w.WriteString(s)
	}
}

func (x *xw) indent(n int) { x.s(strings.Repeat("   ", n)) }

func (x *xw) esc(s string) {
	var b strings.Builder
	if err := xml.EscapeText(&b, []byte(s)); err != nil && x.err == nil {
		x.err = err
	}
	x.s(b.String())
}

func (x *xw) attr(k, v string) {
	x.s(" " + k + `="`)
	x.esc(v)
	x.s(`"`)
}

func (x *xw) opt(k, v string) {
	if v != "" {
		x.attr(k, v)
	}
}

func (x *xw) metadata(ind int, m KV) {
	x.indent(ind)
	x.s("<metadata")
	x.attr("key", m.Key)
	x.s(">")
	x.esc(m.Value)
	x.s("</metadata>\n")
}

func (x *xw) invoke(ind int, iv Invoke) {
	x.indent(ind)
	x.s("<invoke")
	x.attr("when", iv.When)
	x.s(">")
	x.esc(iv.Command)
	x.s("</invoke>\n")
}

func (x *xw) profile(ind int, p Profile) {
	x.indent(ind)
	x.s("<profile")
	x.attr("namespace", p.Namespace)
	x.attr("key", p.Key)
	x.s(">")
	x.esc(p.Value)
	x.s("</profile>\n")
}

func (x *xw) pfn(ind int, p PFN) {
	x.indent(ind)
	x.s("<pfn")
	x.attr("url", p.URL)
	x.attr("site", p.Site)
	if len(p.Profiles) == 0 {
		x.s("/>\n")
		return
	}
	x.s(">\n")
	for _, pr := range p.Profiles {
		x.profile(ind+1, pr)
	}
	x.indent(ind)
	x.s("</pfn>\n")
}

func (x *xw) job(j *Job) {
	x.indent(1)
	tag := j.Kind.String()
	x.s("<" + tag)
	x.attr("id", j.ID)
	switch j.Kind {
	case Compute:
		x.opt("namespace", j.Namespace)
		x.attr("name", j.Name)
		x.opt("version", j.Version)
	default:
		x.attr("file", j.File)
	}
	x.opt("node-label", j.NodeLabel)
	x.s(">\n")
	// dax-3.6.xsd AbstractJobType: argument?, metadata*, profile*, stdin?,
	// stdout?, stderr?, uses*, invoke*.
	if j.Argument != "" {
		x.indent(2)
		x.s("<argument>")
		x.esc(j.Argument)
		x.s("</argument>\n")
	}
	for _, m := range j.Metadata {
		x.metadata(2, m)
	}
	for _, p := range j.Profiles {
		x.profile(2, p)
	}
	for _, s := range [3][2]string{{"stdin", j.Stdin}, {"stdout", j.Stdout}, {"stderr", j.Stderr}} {
		if s[1] == "" {
			continue
		}
		x.indent(2)
		x.s("<" + s[0])
		x.attr("name", s[1])
		if s[0] == "stdin" {
			x.attr("link", "input")
		} else {
			x.attr("link", "output")
		}
		x.s("/>\n")
	}
	for _, u := range j.Uses {
		x.indent(2)
		x.s("<uses")
		x.opt("namespace", u.Namespace)
		x.attr("name", u.Name)
		x.opt("version", u.Version)
		x.attr("link", u.Link.String())
		x.attr("register", strconv.FormatBool(u.Register))
		x.attr("transfer", u.Transfer.String())
		x.attr("optional", strconv.FormatBool(u.Optional))
		x.attr("executable", strconv.FormatBool(u.Executable))
		x.opt("size", u.Size)
		if len(u.Metadata) == 0 {
			x.s("/>\n")
			continue
		}
		x.s(">\n")
		for _, m := range u.Metadata {
			x.metadata(3, m)
		}
		x.indent(2)
		x.s("</uses>\n")
	}
	for _, iv := range j.Invokes {
		x.invoke(2, iv)
	}
	x.indent(1)
	x.s("</" + tag + ">\n")
}
