package dax

import (
	"errors"
	"strings"
	"testing"
)

// TestCheckNamesAnEdgeOnTheCycle: with jobs below a cycle, the error still
// names an edge of the cycle (and its line).
func TestCheckNamesAnEdgeOnTheCycle(t *testing.T) {
	doc := `<adag version="3.6" name="c">
<job id="A" name="x"/><job id="B" name="x"/><job id="C" name="x"/><job id="D" name="x"/><job id="E" name="x"/>
<child ref="E"><parent ref="D"/></child>
<child ref="D"><parent ref="C"/></child>
<child ref="B"><parent ref="A"/></child>
<child ref="C"><parent ref="B"/></child>
<child ref="B"><parent ref="C"/></child>
</adag>`
	wf, err := ParseBytes([]byte(doc), "c.dax")
	if err != nil {
		t.Fatal(err)
	}
	err = wf.Check("c.dax")
	var pe *ParseError
	if !errors.Is(err, ErrCycle) || !errors.As(err, &pe) {
		t.Fatalf("err = %v", err)
	}
	onCycle := map[string]int{"B -> C is on a cycle": 6, "C -> B is on a cycle": 7}
	if line, ok := onCycle[pe.Msg]; !ok || pe.Line != line {
		t.Fatalf("err = %v: not an edge of the cycle B <-> C", err)
	}
	if !strings.HasPrefix(err.Error(), "c.dax:") {
		t.Fatalf("err = %v", err)
	}
	// Without a cycle there is no error.
	wf.Edges = wf.Edges[:4]
	if err := wf.Check("c.dax"); err != nil {
		t.Fatal(err)
	}
}
