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

type task struct {
	node int32
	try  *tryRec // nil: the node's planner files (.sub, .sh, .in)
}

// generation is the state shared by the goroutines of one Generate call.
type generation struct {
	c       *config
	p       *plan
	l       *layout
	hs      *hosts
	files   atomic.Int64
	bytes   atomic.Int64
	pending []atomic.Int32 // per node: parts (planner files, last try) not yet written
	errOnce sync.Once
	err     error
	cancel  context.CancelFunc
	progMu  sync.Mutex
	done    int64
	step    int64
}

func (g *generation) fail(err error) {
	g.errOnce.Do(func() {
		g.err = err
		g.cancel()
	})
}

func (g *generation) write(rel string, data []byte) error {
	if err := writeNew(filepath.Join(g.c.Dir, rel), data); err != nil {
		return err
	}
	g.files.Add(1)
	g.bytes.Add(int64(len(data)))
	return nil
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

// partDone records that one part of node i is written and reports progress.
func (g *generation) partDone(i int32) {
	if g.pending[i].Add(-1) != 0 || g.c.Progress == nil {
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

func (g *generation) run(parent context.Context, submit string) (*Truth, error) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	g.cancel = cancel
	c := g.c
	g.p = buildPlan(c)
	g.l = newLayout(c, submit)
	g.hs = newHosts(c)
	p := g.p
	g.pending = make([]atomic.Int32, len(p.nodes))
	for i := range g.pending {
		g.pending[i].Store(2)
	}
	g.step = max(1, int64(len(p.nodes))/1000)
	made := map[string]bool{}
	for _, n := range p.nodes {
		if !made[n.dir] {
			made[n.dir] = true
			if err := os.MkdirAll(filepath.Join(c.Dir, n.dir), 0o755); err != nil {
				return nil, err
			}
		}
	}

	tasks := make(chan []task, 64)
	var workers sync.WaitGroup
	for w := 0; w < c.Workers; w++ {
		workers.Add(1)
		go func() {
			defer workers.Done()
			fg := newFileGen(c, p, g.l, g.hs)
			for batch := range tasks {
				if ctx.Err() != nil {
					continue // drain
				}
				for _, t := range batch {
					if err := g.render(fg, t); err != nil {
						g.fail(err)
						break
					}
				}
			}
		}()
	}
	send := func(b []task) error {
		select {
		case tasks <- b:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}

	// Planner files of every node, then the top-level planner files.
	var side sync.WaitGroup
	side.Add(2)
	go func() {
		defer side.Done()
		batch := make([]task, 0, 128)
		for i := range p.nodes {
			batch = append(batch, task{node: int32(i)})
			if len(batch) == cap(batch) {
				if send(batch) != nil {
					return
				}
				batch = make([]task, 0, 128)
			}
		}
		if len(batch) > 0 {
			send(batch)
		}
	}()
	go func() {
		defer side.Done()
		if err := g.plannerFiles(); err != nil {
			g.fail(err)
		}
	}()

	// The simulation writes dagman.out and hands finished tries to the writers.
	acc := &truthAcc{}
	s, err := g.simulate(ctx, acc, send)
	if err == nil {
		err = g.afterSim(s)
	}
	if err != nil {
		g.fail(err)
	}
	side.Wait()
	close(tasks)
	workers.Wait()
	if g.err != nil {
		if errors.Is(g.err, context.Canceled) && parent.Err() != nil {
			return nil, parent.Err()
		}
		return nil, g.err
	}
	for i := range p.nodes {
		if s.lastTry[i] == nil {
			g.partDone(int32(i))
		}
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

func (g *generation) simulate(ctx context.Context, acc *truthAcc, send func([]task) error) (*sim, error) {
	f, err := os.Create(filepath.Join(g.c.Dir, g.l.dag+".dagman.out"))
	if err != nil {
		return nil, err
	}
	cw := &countWriter{w: f}
	out := bufio.NewWriterSize(cw, 4<<20)
	batch := make([]task, 0, 128)
	emit := func(t *tryRec) error {
		batch = append(batch, task{node: t.node, try: t})
		if len(batch) < cap(batch) {
			return nil
		}
		err := send(batch)
		batch = make([]task, 0, 128)
		return err
	}
	s := newSim(g.c, g.p, g.l, g.hs, out, acc, emit)
	err = s.run(ctx)
	if err == nil && len(batch) > 0 {
		err = send(batch)
	}
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

// render writes the files of one task.
func (g *generation) render(fg *fileGen, t task) error {
	nd := g.p.nodes[t.node]
	base := nd.dir + "/" + nd.name
	if t.try == nil {
		fg.b = fg.b[:0]
		fg.subFile(t.node)
		if err := g.write(base+".sub", fg.b); err != nil {
			return err
		}
		fg.b = fg.b[:0]
		if nd.typ == typeCompute {
			if !g.c.Full {
				g.partDone(t.node)
				return nil
			}
			fg.shFile(t.node)
			if err := g.write(base+".sh", fg.b); err != nil {
				return err
			}
		} else {
			fg.inFile(nd)
			if err := g.write(base+".in", fg.b); err != nil {
				return err
			}
		}
		g.partDone(t.node)
		return nil
	}
	tr := t.try
	suffix := "." + pad3(int(tr.attempt))
	fg.b = fg.b[:0]
	switch {
	case g.c.hasRecord(g.p, tr):
		fg.kickstart(tr)
	case tr.ran(): // a compute task run without kickstart: its own stdout
		fg.b = append(fg.b, fg.tryStdout(tr)...)
	}
	if err := g.write(base+".out"+suffix, fg.b); err != nil {
		return err
	}
	fg.b = fg.b[:0]
	fg.errFile(tr)
	if err := g.write(base+".err"+suffix, fg.b); err != nil {
		return err
	}
	if tr.final {
		if tr.post == 0 && g.c.Full {
			fg.b = fg.b[:0]
			fg.metaFile(tr)
			if err := g.write(base+".meta", fg.b); err != nil {
				return err
			}
		}
		g.partDone(t.node)
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

// pathError is os.PathError without importing os into the unix writer.
type pathError = os.PathError
