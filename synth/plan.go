package synth

import (
	"fmt"
	"strconv"
)

// Stampede job type ids (FORMATS.md §3.4).
const (
	typeCompute   = 1
	typeStageIn   = 2
	typeStageOut  = 3
	typeRegister  = 4
	typeCreateDir = 6
	typeCleanup   = 8
)

var typeDesc = map[int]string{
	typeCompute:   "compute",
	typeStageIn:   "stage-in-tx",
	typeStageOut:  "stage-out-tx",
	typeRegister:  "registration",
	typeCreateDir: "create-dir",
	typeCleanup:   "cleanup",
}

// DAGMan categories.
const (
	catNone = iota
	catStageIn
	catStageOut
	catRegistration
)

var catName = [...]string{"", "stagein", "stageout", "registration"}

// xform describes a transformation: what runs and how long it takes.
type xform struct {
	name   string  // transformation name as in the catalog ("findrange", "pegasus::transfer")
	exe    string  // executable path on the worker
	median float64 // median main job duration, seconds
	sigma  float64 // log-space spread
	aux    bool    // Pegasus auxiliary tool
}

// Transformation indexes into xforms.
const (
	xPreprocess = iota
	xFindrange
	xAnalyze
	xAlign
	xScore
	xMerge
	xDirmanager
	xTransfer
	xRCClient
	xCleanup
	numXforms
)

// workerXforms are used round-robin by the fan-out levels.
var workerXforms = [...]int{xFindrange, xAnalyze, xAlign, xScore}

func newXforms(bindir string) []xform {
	app := "/opt/synth/bin/"
	return []xform{
		xPreprocess: {name: "preprocess", exe: app + "preprocess", median: 12, sigma: 0.35},
		xFindrange:  {name: "findrange", exe: app + "findrange", median: 45, sigma: 0.45},
		xAnalyze:    {name: "analyze", exe: app + "analyze", median: 95, sigma: 0.55},
		xAlign:      {name: "align", exe: app + "align", median: 140, sigma: 0.5},
		xScore:      {name: "score", exe: app + "score", median: 22, sigma: 0.7},
		xMerge:      {name: "merge", exe: app + "merge", median: 30, sigma: 0.4},
		xDirmanager: {name: "pegasus::dirmanager", exe: bindir + "/pegasus-transfer", median: 2.2, sigma: 0.08, aux: true},
		xTransfer:   {name: "pegasus::transfer", exe: bindir + "/pegasus-transfer", median: 2.6, sigma: 0.25, aux: true},
		xRCClient:   {name: "pegasus::rc-client", exe: bindir + "/pegasus-rc-client", median: 2.7, sigma: 0.15, aux: true},
		xCleanup:    {name: "pegasus::cleanup", exe: bindir + "/pegasus-transfer", median: 2.2, sigma: 0.08, aux: true},
	}
}

// node is one DAG node (executable job).
type node struct {
	name     string
	typ      int
	worker   bool // stage_worker_* job
	xf       int
	task     int    // compute: 1-based task number (ID%07d); 0 otherwise
	level    int    // compute: depth in the abstract workflow; transfers: bundle level
	group    int    // compute: group index
	priority int    // PRIORITY / priority
	category int    // cat*
	dir      string // hashed submit sub-directory, "00/00"
	parents  []int32
	children []int32
	// members are the compute nodes whose files a transfer or registration
	// job carries (stage-in: consumers; stage-out, registration: producers).
	members []int32
	// inputs are the compute nodes whose outputs a compute job reads.
	inputs []int32
	leaf   bool // compute job whose output is staged out
}

func (n *node) taskID() string { return fmt.Sprintf("ID%07d", n.task) }

// plan is the executable workflow.
type plan struct {
	nodes  []*node
	edges  [][2]int32 // parent, child, in the order the planner adds them
	tedges [][2]int32 // abstract (task) edges between compute nodes
	xf     []xform
	ncomp  int
}

// jobsPerDir is how many jobs share one hashed submit sub-directory
// (256 files per directory, 5 files per job).
const jobsPerDir = 51

func hashedDir(i int) string {
	d := i / jobsPerDir
	return fmt.Sprintf("%02X/%02X", d/256%256, d%256)
}

// buildPlan lays out the workflow: groups of compute jobs (a split job, then
// Depth fan-out levels of Width jobs each closed by a merge job), one
// create-dir and one worker-package job, stage-in bundles feeding the split
// jobs, stage-out and registration bundles after the leaves, and one leaf
// cleanup job.
func buildPlan(c *config) *plan {
	p := &plan{xf: newXforms(binDir)}
	label := c.Label
	add := func(n *node) int32 {
		p.nodes = append(p.nodes, n)
		return int32(len(p.nodes) - 1)
	}
	edge := func(a, b int32) {
		p.edges = append(p.edges, [2]int32{a, b})
	}
	createDir := add(&node{name: "create_dir_" + label + "_0_local", typ: typeCreateDir, xf: xDirmanager})
	worker := add(&node{name: "stage_worker_local_" + label + "_0_local", typ: typeStageIn, worker: true, xf: xTransfer, category: catStageIn})

	groupSize := 1 + c.Depth*(c.Width+1)
	ngroups := (c.Jobs + groupSize - 1) / groupSize
	nIn := min(ngroups, c.stageinBundle)
	stageIn := make([]int32, nIn)
	for i := range stageIn {
		stageIn[i] = add(&node{name: "stage_in_local_local_0_" + strconv.Itoa(i), typ: typeStageIn, xf: xTransfer, category: catStageIn})
	}

	// Compute jobs.
	task := 0
	newCompute := func(xf, group, level int) int32 {
		task++
		n := &node{typ: typeCompute, xf: xf, task: task, group: group, level: level}
		n.name = p.xf[xf].name + "_" + n.taskID()
		return add(n)
	}
	var computeIdx []int32
	for g := 0; g < ngroups && task < c.Jobs; g++ {
		split := newCompute(xPreprocess, g, 0)
		computeIdx = append(computeIdx, split)
		in := stageIn[g%nIn]
		p.nodes[in].members = append(p.nodes[in].members, split)
		prev := []int32{split}
		level := 0
		for d := 0; d < c.Depth && task < c.Jobs; d++ {
			level++
			xf := workerXforms[(g+d)%len(workerXforms)]
			var fan []int32
			for w := 0; w < c.Width && task < c.Jobs; w++ {
				j := newCompute(xf, g, level)
				computeIdx = append(computeIdx, j)
				fan = append(fan, j)
				for _, q := range prev {
					p.tedges = append(p.tedges, [2]int32{q, j})
					p.nodes[j].inputs = append(p.nodes[j].inputs, q)
				}
			}
			prev = fan
			if task >= c.Jobs {
				break
			}
			level++
			m := newCompute(xMerge, g, level)
			computeIdx = append(computeIdx, m)
			for _, q := range prev {
				p.tedges = append(p.tedges, [2]int32{q, m})
				p.nodes[m].inputs = append(p.nodes[m].inputs, q)
			}
			prev = []int32{m}
		}
		for _, q := range prev {
			p.nodes[q].leaf = true
		}
	}
	p.ncomp = task

	// Stage-out and registration bundles per level of the leaves.
	leavesByLevel := map[int][]int32{}
	var levels []int
	for _, j := range computeIdx {
		n := p.nodes[j]
		if !n.leaf {
			continue
		}
		if _, ok := leavesByLevel[n.level]; !ok {
			levels = append(levels, n.level)
		}
		leavesByLevel[n.level] = append(leavesByLevel[n.level], j)
	}
	sortInts(levels)
	type bundle struct{ out, reg int32 }
	var outs []bundle
	for _, lvl := range levels {
		leaves := leavesByLevel[lvl]
		nb := min(len(leaves), c.stageoutBundle)
		first := len(outs)
		for b := 0; b < nb; b++ {
			suffix := strconv.Itoa(lvl) + "_" + strconv.Itoa(b)
			o := add(&node{name: "stage_out_local_local_" + suffix, typ: typeStageOut, xf: xTransfer, level: lvl, category: catStageOut})
			r := add(&node{name: "register_local_" + suffix, typ: typeRegister, xf: xRCClient, level: lvl, category: catRegistration})
			outs = append(outs, bundle{o, r})
		}
		for k, j := range leaves {
			b := outs[first+k%nb]
			p.nodes[b.out].members = append(p.nodes[b.out].members, j)
			p.nodes[b.reg].members = append(p.nodes[b.reg].members, j)
		}
	}
	cleanup := add(&node{name: "cleanup_" + label + "_0_local", typ: typeCleanup, xf: xCleanup})

	// Executable edges, parent by parent in creation order.
	for _, in := range stageIn {
		edge(createDir, in)
	}
	for _, in := range stageIn {
		edge(worker, in)
	}
	for _, in := range stageIn {
		for _, j := range p.nodes[in].members {
			edge(in, j)
		}
	}
	// Compute-to-compute edges follow the abstract edges, grouped by parent.
	children := make(map[int32][]int32, len(computeIdx))
	for _, e := range p.tedges {
		children[e[0]] = append(children[e[0]], e[1])
	}
	leafOut := map[int32]int32{}
	for _, b := range outs {
		for _, j := range p.nodes[b.out].members {
			leafOut[j] = b.out
		}
	}
	for _, j := range computeIdx {
		for _, ch := range children[j] {
			edge(j, ch)
		}
		if o, ok := leafOut[j]; ok {
			edge(j, o)
		}
	}
	for _, b := range outs {
		edge(b.out, b.reg)
		edge(b.out, cleanup)
	}
	if len(outs) == 0 {
		edge(worker, cleanup)
	}

	// Adjacency, hashed directories, depth-based priorities.
	for _, e := range p.edges {
		p.nodes[e[0]].children = append(p.nodes[e[0]].children, e[1])
		p.nodes[e[1]].parents = append(p.nodes[e[1]].parents, e[0])
	}
	order := p.topo()
	depth := make([]int, len(p.nodes))
	for _, i := range order {
		for _, q := range p.nodes[i].parents {
			depth[i] = max(depth[i], depth[q]+1)
		}
	}
	for i, n := range p.nodes {
		n.dir = hashedDir(i)
		switch {
		case n.typ == typeCreateDir:
			n.priority = 800
		case n.typ == typeStageIn:
			n.priority = 700
		case n.typ == typeStageOut:
			n.priority = 900
		case n.typ == typeCleanup:
			n.priority = 1000
		default: // compute and (a planner quirk kept on purpose) registration
			n.priority = 10 * depth[i]
		}
	}
	return p
}

// topo returns the node indexes in a topological order (Kahn, stable).
func (p *plan) topo() []int32 {
	indeg := make([]int32, len(p.nodes))
	for _, e := range p.edges {
		indeg[e[1]]++
	}
	var queue, order []int32
	for i := range p.nodes {
		if indeg[i] == 0 {
			queue = append(queue, int32(i))
		}
	}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		order = append(order, i)
		for _, ch := range p.nodes[i].children {
			if indeg[ch]--; indeg[ch] == 0 {
				queue = append(queue, ch)
			}
		}
	}
	return order
}

func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// outLFN is the file a compute job writes.
func (p *plan) outLFN(i int32) string { return p.nodes[i].name + ".dat" }

// inLFN is the external input of a split job, staged in.
func (p *plan) inLFN(i int32) string { return "input_" + p.nodes[i].taskID() + ".dat" }

// taskArgs is the argument vector of a compute task.
func (p *plan) taskArgs(i int32) []string {
	n := p.nodes[i]
	switch n.xf {
	case xPreprocess:
		return []string{"-i", p.inLFN(i), "-o", p.outLFN(i)}
	case xMerge:
		return []string{"-o", p.outLFN(i), "-n", strconv.Itoa(len(n.inputs))}
	default:
		in := p.outLFN(n.inputs[0])
		return []string{"--input", in, "--output", p.outLFN(i), "--seed", strconv.Itoa(n.task)}
	}
}
