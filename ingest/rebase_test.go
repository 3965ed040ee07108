package ingest

import (
	"math/rand/v2"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"
)

// randomPath builds a path from elements that exercise path.Clean: empty
// elements (doubled slashes), ".", "..", and names, absolute or not.
func randomPath(r *rand.Rand, dirs []string) string {
	elems := []string{"", ".", "..", "00", "a", "job.out", "s", "d"}
	var b strings.Builder
	if r.IntN(3) > 0 {
		b.WriteString(dirs[r.IntN(len(dirs))])
	}
	for range r.IntN(5) {
		b.WriteByte('/')
		if r.IntN(4) == 0 {
			b.WriteByte('/')
		}
		b.WriteString(elems[r.IntN(len(elems))])
	}
	if r.IntN(8) == 0 {
		b.WriteByte('/')
	}
	return b.String()
}

var rebaseDirs = []string{"/s", "/s/d", "/s/d/e", "/a", "/", "s", "s/d", "..", "../s"}

func TestRelUnder(t *testing.T) {
	for _, c := range []struct {
		p, dir, rel string
		ok          bool
	}{
		{"/submit/dir//00/00/job.out", "/submit/dir", "00/00/job.out", true},
		{"/submit/dir/job.out", "/submit/dir", "job.out", true},
		{"/submit/dir///job.out", "/submit/dir", "job.out", true},
		{"/submit/dir/", "/submit/dir", "", false},
		{"/submit/dir", "/submit/dir", "", false},
		{"/submit/dirx/job.out", "/submit/dir", "", false},
		{"/submit/dir/./job.out", "/submit/dir", "", false},
		{"/submit/dir/../job.out", "/submit/dir", "", false},
		{"/submit/dir/00/../job.out", "/submit/dir", "", false},
		{"/submit/dir/00//job.out", "/submit/dir", "", false},
		{"/submit/dir/00/", "/submit/dir", "", false},
		{"/submit/dir/..", "/submit/dir", "", false},
		{"/job.out", "/", "", false},
	} {
		rel, ok := relUnder(c.p, c.dir)
		if rel != c.rel || ok != c.ok {
			t.Errorf("relUnder(%q, %q) = %q, %v; want %q, %v", c.p, c.dir, rel, ok, c.rel, c.ok)
		}
	}
	// Whatever it answers is what cleaning gives.
	r := rand.New(rand.NewPCG(1, 2))
	hits := 0
	for range 20000 {
		dir := path.Clean(rebaseDirs[r.IntN(len(rebaseDirs))])
		p := randomPath(r, rebaseDirs)
		rel, ok := relUnder(p, dir)
		if !ok {
			continue
		}
		hits++
		if got := path.Clean(p); got != dir+"/"+rel {
			t.Fatalf("relUnder(%q, %q) = %q, but the path cleans to %q", p, dir, rel, got)
		}
	}
	if hits < 300 {
		t.Fatalf("only %d of the random paths took the short way", hits)
	}
}

// TestRebaseShortWay checks that the paths answered without cleaning are
// those the general code gives: the rel form of a submit file's path, and a
// try's stdout/stderr paths with and without the rotation suffix.
func TestRebaseShortWay(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		dir := rebaseDirs[r.IntN(len(rebaseDirs))]
		if r.IntN(4) > 0 {
			dir = path.Clean(dir)
		}
		orig := ""
		if r.IntN(6) > 0 {
			orig = rebaseDirs[r.IntN(len(rebaseDirs))]
		}
		p := randomPath(r, rebaseDirs)

		w := &workflow{dir: path.Clean(dir), origDir: orig}
		if _, want := w.rebase(p); w.rebaseRel(p) != want {
			t.Fatalf("dir %q, orig %q: rebaseRel(%q) = %q, want %q", w.dir, orig, p, w.rebaseRel(p), want)
		}

		j := &jobEnd{dir: dir, origDir: orig, node: "job", hasPost: r.IntN(2) == 0, outNum: r.IntN(3),
			sub: &submitInfo{output: p, errorf: randomPath(r, rebaseDirs)}}
		if r.IntN(4) == 0 {
			j.sub.initialDir = randomPath(r, rebaseDirs)
		}
		outAbs, outRel, errAbs, errRel := j.outputPaths()
		suf := ""
		if j.hasPost {
			suf = rotationSuffix(j.outNum)
		}
		for _, c := range []struct{ p, abs, rel string }{{j.sub.output, outAbs, outRel}, {j.sub.errorf, errAbs, errRel}} {
			if c.p == "" {
				continue // the file beside the submit file: not this code
			}
			abs, rel := rebaseWith(j.dir, j.origDir, c.p, j.sub.initialDir)
			if c.abs != abs+suf || c.rel != rel+suf {
				t.Fatalf("dir %q, orig %q, initialdir %q: outputPaths for %q = %q, %q; want %q, %q",
					dir, orig, j.sub.initialDir, c.p, c.abs, c.rel, abs+suf, rel+suf)
			}
		}
	}
}

func TestRotationSuffix(t *testing.T) {
	for n, want := range map[int]string{0: ".000", 7: ".007", 42: ".042", 99: ".099", 100: ".100", 999: ".999", 1000: ".1000"} {
		if got := rotationSuffix(n); got != want {
			t.Errorf("rotationSuffix(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestPegasusLiteHost(t *testing.T) {
	for _, c := range []struct {
		text, host, ip string
		ok             bool
	}{
		{"2023-01-17 11:17:41: PegasusLite: version 5.0.5\n2023-01-17 11:17:41: Executing on host node7.example.org IP=10.0.0.7\nmore\n", "node7.example.org", "10.0.0.7", true},
		{"Executing on host node7 [IP=10.0.0.7]\n", "node7", "10.0.0.7", true},
		{"Executing on host node7\n", "node7", "", true},
		{"Executing on host   \n", "", "", false},
		{"no host line\n", "", "", false},
	} {
		h, ip, ok := pegasusLiteHost(c.text)
		if h != c.host || ip != c.ip || ok != c.ok {
			t.Errorf("pegasusLiteHost(%q) = %q, %q, %v; want %q, %q, %v", c.text, h, ip, ok, c.host, c.ip, c.ok)
		}
	}
}

func TestClonePair(t *testing.T) {
	for _, c := range [][2]string{{"host", "10.0.0.1"}, {"host", ""}, {"", "10.0.0.1"}, {"", ""}} {
		buf := []byte(c[0] + c[1])
		s := unsafe.String(unsafe.SliceData(buf), len(buf)) // a view, as of a pooled buffer
		a, b := s[:len(c[0])], s[len(c[0]):]
		ca, cb := clonePair(a, b)
		for i := range buf {
			buf[i] = 'x'
		}
		if ca != c[0] || cb != c[1] {
			t.Errorf("clonePair(%q, %q) = %q, %q after the buffer changed", c[0], c[1], ca, cb)
		}
	}
}

func TestJoinableDir(t *testing.T) {
	for dir, want := range map[string]bool{"/s/d": true, "s": true, "../s": true, "/": false, ".": false, "": false, "/s/": false, "/s//d": false} {
		if got := joinableDir(dir); got != want {
			t.Errorf("joinableDir(%q) = %v, want %v", dir, got, want)
		}
		if want {
			if got := filepath.Join(dir, "00/job.out"); got != dir+"/00/job.out" {
				t.Errorf("filepath.Join(%q, ...) = %q", dir, got)
			}
		}
	}
}

func TestCopyBatch(t *testing.T) {
	buf := []byte("abcdefghij")
	var a, b, c, d string
	keep := copyBatch{}
	keep.add(&a, view(buf[0:3]))
	keep.add(&b, view(buf[3:5]))
	keep.add(&a, view(buf[5:7])) // a later line wins
	keep.add(&c, view(buf[7:10]))
	keep.add(&c, "") // and may clear
	for range 5 {
		keep.add(&d, view(buf[1:2])) // past the batch's slots
	}
	keep.add(&d, view(buf[9:10]))
	keep.finish()
	for i := range buf {
		buf[i] = 'x'
	}
	if a != "fg" || b != "de" || c != "" || d != "j" {
		t.Errorf("got %q %q %q %q, want \"fg\" \"de\" \"\" \"j\"", a, b, c, d)
	}
}
