package decimal

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestExact checks Exact against strconv.ParseFloat bit for bit on random
// decimals of up to 15 digits, and that it declines what it cannot do.
func TestExact(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 500000 {
		digits := 1 + r.IntN(15)
		s := make([]byte, digits)
		m := uint64(0)
		for i := range s {
			s[i] = byte('0' + r.IntN(10))
			m = m*10 + uint64(s[i]-'0')
		}
		n := r.IntN(digits + 1)
		text := string(s[:digits-n]) + "." + string(s[digits-n:])
		want, err := strconv.ParseFloat(text, 64)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := Exact(m, n); !ok || got != want {
			t.Fatalf("Exact(%d, %d) = %v, %v; ParseFloat(%q) = %v", m, n, got, ok, text, want)
		}
	}
	if _, ok := Exact(1<<53, 1); ok {
		t.Error("Exact took a mantissa of 2^53")
	}
	if _, ok := Exact(1, 16); ok {
		t.Error("Exact took 16 digits after the point")
	}
}
