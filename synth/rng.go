package synth

import "math"

// rng is a small, fast, deterministic generator (SplitMix64). Its output
// sequence is fixed by this file, so generated directories do not change when
// the standard library's generators do.
type rng struct{ s uint64 }

// Streams separate the random draws made for different purposes, so that
// adding a draw to one of them does not shift the others.
const (
	streamPlan uint64 = iota + 1
	streamSim
	streamTry
	streamFile
	streamNode
	streamCycle
)

func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// newRNG derives an independent generator from the seed and up to three keys
// (for instance stream, node index and try number).
func newRNG(seed, stream, a, b uint64) rng {
	h := mix64(seed + 0x9e3779b97f4a7c15)
	h = mix64(h ^ (stream * 0xd1b54a32d192ed03))
	h = mix64(h ^ (a * 0xaef17502108ef2d9))
	h = mix64(h ^ (b * 0xf58476d1ce4e5b93))
	return rng{s: h}
}

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return mix64(r.s)
}

// float returns a uniform value in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// intn returns a value in [0, n); n must be positive.
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// between returns a value in [lo, hi].
func (r *rng) between(lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	return lo + int64(r.next()%uint64(hi-lo+1))
}

// norm returns a standard normal deviate (Box-Muller).
func (r *rng) norm() float64 {
	u := r.float()
	if u < 1e-300 {
		u = 1e-300
	}
	return math.Sqrt(-2*math.Log(u)) * math.Cos(2*math.Pi*r.float())
}

// lognormMs draws a duration in milliseconds with the given median (seconds)
// and log-space sigma, clamped to [lo, hi] milliseconds.
func (r *rng) lognormMs(median, sigma float64, lo, hi int64) int64 {
	v := int64(median * 1000 * math.Exp(sigma*r.norm()))
	if v < lo {
		v = lo
	}
	if v > hi {
		v = hi
	}
	return v
}

// hex appends n random lower-case hexadecimal digits.
func (r *rng) hex(b []byte, n int) []byte {
	const digits = "0123456789abcdef"
	var x uint64
	for i := 0; i < n; i++ {
		if i%16 == 0 {
			x = r.next()
		}
		b = append(b, digits[x&15])
		x >>= 4
	}
	return b
}

// token appends n random letters and digits, like mkstemp suffixes.
func (r *rng) token(b []byte, n int) []byte {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	for i := 0; i < n; i++ {
		b = append(b, chars[r.intn(len(chars))])
	}
	return b
}
