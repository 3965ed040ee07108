package ingest

import "testing"

func TestQuote(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"plain text", "plain text"},
		{"a\nb", "a%0Ab"},
		{"100% 'it' \"is\"", "100%25 %27it%27 %22is%22"},
		{"\x00\x1f\x7f\xff", "%00%1F%7F%FF"},
		{"tab\there\r\n", "tab%09here%0D%0A"},
	} {
		if got := Quote(c.in); got != c.want {
			t.Errorf("Quote(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := quoteCopy(c.in); got != c.want {
			t.Errorf("quoteCopy(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := string(appendQuote([]byte("x"), c.in)); got != "x"+c.want {
			t.Errorf("appendQuote(%q) = %q, want %q", c.in, got, "x"+c.want)
		}
	}
}

func FuzzQuote(f *testing.F) {
	f.Add("a\nb%c'\"\x00\xff")
	f.Fuzz(func(t *testing.T, s string) {
		q := Quote(s)
		for i := 0; i < len(q); i++ {
			if c := q[i]; c != '%' && needsQuote(c) {
				t.Fatalf("Quote(%q) = %q: %q left unquoted", s, q, c)
			}
		}
		if u := UnquoteText(q); u != s {
			t.Fatalf("UnquoteText(Quote(%q)) = %q", s, u)
		}
		if c := quoteCopy(s); c != q {
			t.Fatalf("quoteCopy(%q) = %q, Quote gives %q", s, c, q)
		}
		if a := string(appendQuote(nil, s)); a != q {
			t.Fatalf("appendQuote(%q) = %q, Quote gives %q", s, a, q)
		}
	})
}
