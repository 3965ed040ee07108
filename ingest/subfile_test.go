package ingest

import (
	"reflect"
	"testing"
)

func TestSplitCondorArgs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{`"-a b  c"`, []string{"-a", "b", "c"}},
		{`"'one arg' two"`, []string{"one arg", "two"}},
		{`"'it''s' x"`, []string{"it's", "x"}},
		{`"say ""hi"" 'a ""quoted"" word'"`, []string{`say`, `"hi"`, `a "quoted" word`}},
		{`-a b\"c`, []string{"-a", `b"c`}},
		{`""`, nil},
	} {
		got, err := SplitCondorArgs(tc.in)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("SplitCondorArgs(%s) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	if _, err := SplitCondorArgs(`"'unterminated"`); err == nil {
		t.Errorf("an unbalanced quote is accepted")
	}
}
