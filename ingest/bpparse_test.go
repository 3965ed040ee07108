package ingest

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// TestParseBPReference checks parseBP against a byte-at-a-time reference
// (the reader before quoted values were scanned with IndexByte) on random
// lines of names, plain and quoted values, escapes and stray characters.
func TestParseBPReference(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	parts := []string{"ts", "=", "event", "job.id", `"`, `\"`, `\`, `\\"`, " ", "\t", "a b", "x", "-", "é", "=\"", `"=`, "ab\"cd", "1970-02-07T04:23:06Z"}
	for range 300000 {
		var b strings.Builder
		for range 1 + r.IntN(12) {
			b.WriteString(parts[r.IntN(len(parts))])
		}
		line := b.String()
		got, gerr := parseBP(line, nil)
		want, werr := parseBPRef(line, nil)
		if (gerr == nil) != (werr == nil) || gerr != nil && gerr.Error() != werr.Error() || !reflect.DeepEqual(got, want) {
			t.Fatalf("parseBP(%q) = %q, %v; the reference gives %q, %v", line, got, gerr, want, werr)
		}
	}
}

func parseBPRef(line string, dst []KV) ([]KV, error) {
	attrs := dst
	i := 0
	n := len(line)
	for {
		for i < n && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		if i >= n {
			return attrs, nil
		}
		st := i
		for i < n && line[i] != '=' {
			c := line[i]
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '.' || c == '-') {
				return nil, fmt.Errorf("%w: bad character %q in attribute name", ErrSyntax, c)
			}
			i++
		}
		if i >= n || i == st {
			return nil, fmt.Errorf("%w: expected name=value at %q", ErrSyntax, truncate(line[st:], 40))
		}
		key := line[st:i]
		i++ // '='
		if i < n && line[i] == '"' {
			i++
			vs := i
			escaped := false
			closed := false
			for i < n {
				c := line[i]
				if c == '\\' && i+1 < n && line[i+1] == '"' {
					escaped = true
					i += 2
					continue
				}
				if c == '"' {
					closed = true
					break
				}
				i++
			}
			if !closed {
				return nil, fmt.Errorf("%w: unterminated quoted value of %s", ErrSyntax, key)
			}
			v := line[vs:i]
			if escaped {
				v = strings.ReplaceAll(v, `\"`, `"`)
			}
			i++ // closing quote
			attrs = append(attrs, KV{key, v})
			continue
		}
		st = i
		for i < n && line[i] != ' ' && line[i] != '\t' {
			if line[i] == '"' {
				return nil, fmt.Errorf("%w: stray quote in value of %s", ErrSyntax, key)
			}
			i++
		}
		if i == st {
			return nil, fmt.Errorf("%w: empty value of %s", ErrSyntax, key)
		}
		attrs = append(attrs, KV{key, line[st:i]})
	}
}
