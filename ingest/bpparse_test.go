package ingest

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// TestParseBPReference checks parseBP against bpRef on random lines of
// names, plain and quoted values, escapes and stray characters.
func TestParseBPReference(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	parts := []string{"ts", "=", "event", "job.id", `"`, `\"`, `\`, `\\"`, " ", "\t", "a b", "x", "-", "é", "=\"", `"=`, "ab\"cd", "1970-02-07T04:23:06Z"}
	for range 300000 {
		var b strings.Builder
		for range 1 + r.IntN(12) {
			b.WriteString(parts[r.IntN(len(parts))])
		}
		line := b.String()
		got, err := parseBP(line, nil)
		want, ok := bpRef(line)
		if (err == nil) != ok || !reflect.DeepEqual(got, want) {
			t.Fatalf("parseBP(%q) = %q, %v; the grammar gives %q, %v", line, got, err, want, ok)
		}
	}
}

// bpRef reads a BP line as its grammar says, in another way than parseBP:
// name=value pairs, blanks between them; a name is letters, digits and
// "_.-"; a value is a run of non-blanks without quotes, or quoted, where a
// backslash before a quote makes it part of the value.
func bpRef(line string) ([]KV, bool) {
	var out []KV
	rest := line
	for {
		rest = strings.TrimLeft(rest, " \t")
		if rest == "" {
			return out, true
		}
		name, after, found := strings.Cut(rest, "=")
		if !found || name == "" || strings.IndexFunc(name, func(c rune) bool { return !strings.ContainsRune(nameChars, c) }) >= 0 {
			return nil, false
		}
		if strings.HasPrefix(after, `"`) {
			body := after[1:]
			end := -1
			for j := 0; j < len(body); j++ {
				if body[j] == '"' && (j == 0 || body[j-1] != '\\') {
					end = j
					break
				}
			}
			if end < 0 {
				return nil, false
			}
			out = append(out, KV{name, strings.ReplaceAll(body[:end], `\"`, `"`)})
			rest = body[end+1:]
			continue
		}
		value, tail := after, ""
		if j := strings.IndexAny(after, " \t"); j >= 0 {
			value, tail = after[:j], after[j:]
		}
		if value == "" || strings.Contains(value, `"`) {
			return nil, false
		}
		out = append(out, KV{name, value})
		rest = tail
	}
}

const nameChars = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_.-"
