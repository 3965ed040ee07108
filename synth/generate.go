package synth

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
)

// Generate writes a submit directory as described by o and returns what it
// wrote. The output depends only on o (and on the time zone in o.Location).
func Generate(ctx context.Context, o Options) (*Truth, error) {
	c, err := o.resolve()
	if err != nil {
		return nil, err
	}
	if err := prepareDir(c.Dir); err != nil {
		return nil, err
	}
	submit := c.SubmitDir
	if submit == "" {
		if submit, err = filepath.Abs(c.Dir); err != nil {
			return nil, err
		}
	}
	g := &generation{c: c}
	return g.run(ctx, submit)
}

// prepareDir creates dir, which must be absent or empty.
func prepareDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Readdirnames(1); err == nil {
		return fmt.Errorf("%w: %s", ErrDirNotEmpty, dir)
	} else if !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// generation is the state shared by the goroutines of one Generate call.
type generation struct {
	c       *config
	p       *plan
	l       *layout
	hs      *hosts
	files   atomic.Int64
	bytes   atomic.Int64
	errOnce sync.Once
	err     error
	cancel  context.CancelFunc
	progMu  sync.Mutex
	done    int64
	step    int64

	// Tries of node i, in order: tries[first[i]:first[i+1]].
	tries []*tryRec
	first []int32
}

func (g *generation) fail(err error) {
	g.errOnce.Do(func() {
		g.err = err
		g.cancel()
	})
}

// writeFile streams a top-level file through a buffered writer.
func (g *generation) writeFile(rel string, fill func(w *bufio.Writer) error) error {
	f, err := os.Create(filepath.Join(g.c.Dir, rel))
	if err != nil {
		return err
	}
	cw := &countWriter{w: f}
	w := bufio.NewWriterSize(cw, 1<<20)
	if err := fill(w); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	g.files.Add(1)
	g.bytes.Add(cw.n)
	return nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// nodeDone records that the files of one node are written and reports progress.
func (g *generation) nodeDone() {
	if g.c.Progress == nil {
		return
	}
	g.progMu.Lock()
	defer g.progMu.Unlock()
	g.done++
	total := int64(len(g.p.nodes))
	if g.done == total || g.done%g.step == 0 {
		g.c.Progress(g.done, total)
	}
}

// run writes the submit directory in two phases. First the simulation writes
// dagman.out and records every try while another goroutine writes the
// top-level planner files and creates the hashed directories. Then the
// writers fill the hashed directories, each taking whole directories: all the
// files of a directory are created one after the other, by one goroutine,
// which is about twice as cheap for the kernel as creating them in the order
// the simulation finishes the tries (spread over every directory).
func (g *generation) run(parent context.Context, submit string) (*Truth, error) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	g.cancel = cancel
	c := g.c
	g.p = buildPlan(c)
	g.l = newLayout(c, submit)
	g.hs = newHosts(c)
	p := g.p
	g.step = max(1, int64(len(p.nodes))/1000)
	ndirs := (len(p.nodes) + jobsPerDir - 1) / jobsPerDir

	var side sync.WaitGroup
	side.Add(1)
	go func() {
		defer side.Done()
		if err := g.plannerFiles(); err != nil {
			g.fail(err)
		}
	}()
	// The parents of the hashed directories ("00"); the writers make the rest.
	for d := 0; d < min(ndirs, 256*256); d += 256 {
		if err := os.Mkdir(filepath.Join(c.Dir, filepath.Dir(p.nodes[d*jobsPerDir].dir)), 0o755); err != nil {
			g.fail(err)
			break
		}
	}

	acc := &truthAcc{}
	var s *sim
	if g.err == nil {
		var err error
		s, err = g.simulate(ctx, acc)
		if err == nil {
			err = g.afterSim(s)
		}
		if err != nil {
			g.fail(err)
		}
	}
	if g.err == nil {
		g.indexTries()
		var next atomic.Int64
		var workers sync.WaitGroup
		for w := 0; w < min(c.Workers, ndirs); w++ {
			workers.Add(1)
			go func() {
				defer workers.Done()
				fg := newFileGen(c, p, g.l, g.hs)
				for ctx.Err() == nil {
					d := int(next.Add(1) - 1)
					if d >= ndirs {
						return
					}
					if err := g.writeDir(fg, d); err != nil {
						g.fail(err)
						return
					}
				}
			}()
		}
		workers.Wait()
	}
	side.Wait()
	if g.err != nil {
		if errors.Is(g.err, context.Canceled) && parent.Err() != nil {
			return nil, parent.Err()
		}
		return nil, g.err
	}
	t := acc.truth(c, p, g.l, s)
	t.Files = g.files.Load()
	t.Bytes = g.bytes.Load()
	b, err := t.MarshalIndent()
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(c.Dir, "truth.json"), b, 0o644); err != nil {
		return nil, err
	}
	return t, nil
}

// indexTries sorts the tries the simulation finished by node (a stable
// counting sort: a node's tries stay in attempt order).
func (g *generation) indexTries() {
	n := len(g.p.nodes)
	first := make([]int32, n+1)
	for _, t := range g.tries {
		first[t.node+1]++
	}
	for i := 1; i <= n; i++ {
		first[i] += first[i-1]
	}
	pos := make([]int32, n)
	copy(pos, first[:n])
	byNode := make([]*tryRec, len(g.tries))
	for _, t := range g.tries {
		byNode[pos[t.node]] = t
		pos[t.node]++
	}
	g.tries, g.first = byNode, first
}

func (g *generation) simulate(ctx context.Context, acc *truthAcc) (*sim, error) {
	f, err := os.Create(filepath.Join(g.c.Dir, g.l.dag+".dagman.out"))
	if err != nil {
		return nil, err
	}
	cw := &countWriter{w: f}
	out := bufio.NewWriterSize(cw, 4<<20)
	g.tries = make([]*tryRec, 0, len(g.p.nodes)+len(g.p.nodes)/8)
	emit := func(t *tryRec) error {
		g.tries = append(g.tries, t)
		return nil
	}
	s := newSim(g.c, g.p, g.l, g.hs, out, acc, emit)
	err = s.run(ctx)
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	g.files.Add(1)
	g.bytes.Add(cw.n)
	return s, err
}

// afterSim writes the files DAGMan writes when it exits.
func (g *generation) afterSim(s *sim) error {
	if s.exitStatus != 0 {
		if err := g.writeFile(g.l.dag+".rescue001", func(w *bufio.Writer) error { writeRescue(w, g.c, s); return nil }); err != nil {
			return err
		}
	}
	return g.writeFile(g.l.dag+".metrics", func(w *bufio.Writer) error { writeDagMetrics(w, s); return nil })
}

func (g *generation) plannerFiles() error {
	c, p, l := g.c, g.p, g.l
	clk := newClock(c.Location)
	fg := newFileGen(c, p, l, g.hs)
	files := []struct {
		name string
		fill func(w *bufio.Writer) error
	}{
		{"braindump.yml", func(w *bufio.Writer) error { writeBraindump(w, c, l, clk); return nil }},
		{l.dag, func(w *bufio.Writer) error { writeDAG(w, c, p, l); return nil }},
		{l.prefix + ".static.bp", func(w *bufio.Writer) error { writeStaticBP(w, c, p, l, fg); return nil }},
		{l.prefix + ".metrics", func(w *bufio.Writer) error { writeMetrics(w, c, p, l); return nil }},
		{l.prefix + ".notify", func(w *bufio.Writer) error { return nil }},
		{l.prefix + ".dot", func(w *bufio.Writer) error { writeDot(w, p); return nil }},
		{l.prefix + ".metadata", func(w *bufio.Writer) error { writeMetadata(w, p, l); return nil }},
		{l.prefix + ".cache", func(w *bufio.Writer) error { writeCache(w, p, l); return nil }},
		{l.props, func(w *bufio.Writer) error { return writeProperties(w, c, l) }},
		{l.dag + ".condor.sub", func(w *bufio.Writer) error { writeCondorSub(w, l, clk); return nil }},
		{l.dag + ".lib.err", func(w *bufio.Writer) error { return nil }},
	}
	for _, f := range files {
		if err := g.writeFile(f.name, f.fill); err != nil {
			return err
		}
	}
	return nil
}

// writeDir creates hashed directory d and writes the files of its nodes:
// the planner's (.sub, then .in or, with Full, .sh), then per try
// .out.NNN and .err.NNN, and .meta after a successful last try (Full).
func (g *generation) writeDir(fg *fileGen, d int) error {
	lo, hi := d*jobsPerDir, min((d+1)*jobsPerDir, len(g.p.nodes))
	dir, err := makeDir(filepath.Join(g.c.Dir, g.p.nodes[lo].dir))
	if err != nil {
		return err
	}
	for i := lo; i < hi; i++ {
		if err = g.writeNode(fg, &dir, int32(i)); err != nil {
			break
		}
		g.nodeDone()
	}
	if cerr := dir.close(); err == nil {
		err = cerr
	}
	return err
}

// put writes fg's buffer to file name in dir.
func (g *generation) put(dir *dirWriter, fg *fileGen, name string) error {
	if err := dir.create(name, fg.b); err != nil {
		return err
	}
	g.files.Add(1)
	g.bytes.Add(int64(len(fg.b)))
	return nil
}

func (g *generation) writeNode(fg *fileGen, dir *dirWriter, i int32) error {
	nd := g.p.nodes[i]
	fg.b = fg.b[:0]
	fg.subFile(i)
	if err := g.put(dir, fg, nd.name+".sub"); err != nil {
		return err
	}
	fg.b = fg.b[:0]
	switch {
	case nd.typ != typeCompute:
		fg.inFile(nd)
		if err := g.put(dir, fg, nd.name+".in"); err != nil {
			return err
		}
	case g.c.Full:
		fg.shFile(i)
		if err := g.put(dir, fg, nd.name+".sh"); err != nil {
			return err
		}
	}
	for _, tr := range g.tries[g.first[i]:g.first[i+1]] {
		suffix := pad3(int(tr.attempt))
		fg.b = fg.b[:0]
		switch {
		case g.c.hasRecord(g.p, tr):
			fg.kickstart(tr)
		case tr.ran(): // a compute task run without kickstart: its own stdout
			fg.b = append(fg.b, fg.tryStdout(tr)...)
		}
		if err := g.put(dir, fg, nd.name+".out."+suffix); err != nil {
			return err
		}
		fg.b = fg.b[:0]
		fg.errFile(tr)
		if err := g.put(dir, fg, nd.name+".err."+suffix); err != nil {
			return err
		}
		if tr.final && tr.post == 0 && g.c.Full {
			fg.b = fg.b[:0]
			fg.metaFile(tr)
			if err := g.put(dir, fg, nd.name+".meta"); err != nil {
				return err
			}
		}
	}
	return nil
}

func pad3(n int) string {
	s := strconv.Itoa(n)
	for len(s) < 3 {
		s = "0" + s
	}
	return s
}
