package ingest

import (
	"bytes"
	"os"
	"sort"
	"testing"
	"time"
)

func TestZZClassifyCost(t *testing.T) {
	data, err := os.ReadFile("/tmp/s100k/synth-0.dag.dagman.out")
	if err != nil {
		t.Skip()
	}
	lines := bytes.Split(data, []byte("\n"))
	dag, err := ReadDAGNodes("/tmp/s100k/synth-0.dag")
	if err != nil {
		t.Fatal(err)
	}
	cost := map[string]time.Duration{}
	count := map[string]int{}
	for rep := 0; rep < 3; rep++ {
		dc := &DagmanClassifier{Clock: &Clock{}, dag: dag}
		for i, l := range lines {
			key := ""
			if len(l) > 18 {
				f := bytes.Fields(l[18:])
				for j := 0; j < len(f) && j < 2; j++ {
					key += string(f[j]) + " "
				}
			}
			t0 := time.Now()
			dc.Classify(l, i)
			d := time.Since(t0)
			cost[key] += d
			count[key]++
		}
	}
	type kv struct {
		k string
		d time.Duration
	}
	var s []kv
	for k, d := range cost {
		s = append(s, kv{k, d})
	}
	sort.Slice(s, func(i, j int) bool { return s[i].d > s[j].d })
	for _, x := range s[:15] {
		t.Logf("%-40q %8d lines %6.0f ns/line total %v", x.k, count[x.k]/3, float64(x.d)/float64(count[x.k]), x.d/3)
	}
}
