package analyzer

// matcher finds the signatures in a text in one pass: an Aho-Corasick
// automaton over the leading literal of every pattern, case-insensitive
// for ASCII. A hit is then checked against the rest of its pattern (the
// " * " and " … " parts) on its line. Among the signatures found, the first
// in table order wins, as with trying them one by one.
type matcher struct {
	sigs    []Signature
	lits    []string // leading literal of each pattern
	class   [256]uint8
	nclass  int
	next    []int32 // state*nclass + class -> state
	out     [][]int // state -> patterns ending there (suffix links folded in), ascending
	litLens []int
}

func newMatcher(sigs []Signature) *matcher {
	m := &matcher{sigs: sigs}
	// Byte classes: one per distinct byte of the literals, 0 for the rest.
	for _, s := range sigs {
		lit, _ := nextLiteral(s.Pattern)
		m.lits = append(m.lits, lit)
		m.litLens = append(m.litLens, len(lit))
		for i := 0; i < len(lit); i++ {
			c := lit[i]
			if m.class[c] == 0 {
				m.nclass++
				m.class[c] = uint8(m.nclass)
			}
		}
	}
	m.nclass++
	for c := 'A'; c <= 'Z'; c++ {
		m.class[c] = m.class[c+'a'-'A']
	}
	// The trie.
	type node struct {
		child map[uint8]int32
		fail  int32
		out   []int
	}
	nodes := []node{{child: map[uint8]int32{}}}
	for k, lit := range m.lits {
		st := int32(0)
		for i := 0; i < len(lit); i++ {
			c := m.class[lit[i]]
			nx, ok := nodes[st].child[c]
			if !ok {
				nodes = append(nodes, node{child: map[uint8]int32{}})
				nx = int32(len(nodes) - 1)
				nodes[st].child[c] = nx
			}
			st = nx
		}
		nodes[st].out = append(nodes[st].out, k)
	}
	// Failure links, breadth first, and the dense transition table.
	m.next = make([]int32, len(nodes)*m.nclass)
	m.out = make([][]int, len(nodes))
	queue := []int32{}
	for c := 0; c < m.nclass; c++ {
		if nx, ok := nodes[0].child[uint8(c)]; ok {
			nodes[nx].fail = 0
			m.next[c] = nx
			queue = append(queue, nx)
		}
	}
	m.out[0] = nodes[0].out
	for len(queue) > 0 {
		st := queue[0]
		queue = queue[1:]
		f := nodes[st].fail
		m.out[st] = mergeSorted(nodes[st].out, m.out[f])
		for c := 0; c < m.nclass; c++ {
			if nx, ok := nodes[st].child[uint8(c)]; ok {
				nodes[nx].fail = m.next[int(f)*m.nclass+c]
				m.next[int(st)*m.nclass+c] = nx
				queue = append(queue, nx)
			} else {
				m.next[int(st)*m.nclass+c] = m.next[int(f)*m.nclass+c]
			}
		}
	}
	return m
}

// match returns the first signature (in table order) that text matches and
// its evidence, as the package-level match does.
func (m *matcher) match(text string) (*Signature, string) {
	if text == "" {
		return nil, ""
	}
	best, bestAt := len(m.sigs), -1
	st := int32(0)
	for i := 0; i < len(text); i++ {
		st = m.next[int(st)*m.nclass+int(m.class[text[i]])]
		outs := m.out[st]
		if len(outs) == 0 || outs[0] >= best {
			continue
		}
		for _, k := range outs {
			if k >= best {
				break
			}
			at := i + 1 - m.litLens[k]
			if m.verify(text, at, k) {
				best, bestAt = k, at
				break
			}
		}
		if best == 0 {
			break
		}
	}
	if bestAt < 0 {
		return nil, ""
	}
	s := &m.sigs[best]
	if s.LastLine {
		return s, lastLine(text[bestAt:])
	}
	return s, lineAt(text, bestAt)
}

// verify checks the rest of pattern k after its literal found at offset at.
func (m *matcher) verify(text string, at, k int) bool {
	_, rest := nextLiteral(m.sigs[k].Pattern)
	if rest == "" {
		return true
	}
	end := at
	for end < len(text) && text[end] != '\n' {
		end++
	}
	return matchRest(asciiLower(text[at+m.litLens[k]:end]), rest)
}

func mergeSorted(a, b []int) []int {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 {
		return b
	}
	out := make([]int, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i] < b[j]):
			out = append(out, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}
