package ksrecord

import (
	"math/rand/v2"
	"testing"
)

// TestSimpleDecimal checks the fast way for "digits.digits" against the
// general one (YAML resolution, then strconv.ParseFloat) bit for bit, and
// that it leaves every other form to the general way.
func TestSimpleDecimal(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	const chars = "0123456789.0123456789._-+eE:x "
	for range 300000 {
		b := make([]byte, 1+r.IntN(18))
		for i := range b {
			if r.IntN(3) == 0 {
				b[i] = chars[r.IntN(len(chars))]
			} else {
				b[i] = byte('0' + r.IntN(10))
			}
		}
		if r.IntN(2) == 0 && len(b) > 2 {
			b[1+r.IntN(len(b)-2)] = '.'
		}
		f, ok := simpleDecimal(b)
		if !ok {
			continue
		}
		if resolvePlain(b) != pyFloat {
			t.Fatalf("simpleDecimal took %q, which YAML does not read as a float", b)
		}
		if want, wok := pyFloatValue(b); !wok || f != want {
			t.Fatalf("simpleDecimal(%q) = %v, want %v", b, f, want)
		}
	}
	for _, s := range []string{"46.716", "0.020", "123456789012.345", "1.0"} {
		if _, ok := simpleDecimal([]byte(s)); !ok {
			t.Errorf("simpleDecimal(%q) not taken", s)
		}
	}
	for _, s := range []string{"46", ".5", "5.", "1.2.3", "1_0.5", "-1.5", "1e5", "1234567890.1234567", "1:30.5"} {
		if _, ok := simpleDecimal([]byte(s)); ok {
			t.Errorf("simpleDecimal(%q) taken", s)
		}
	}
}
