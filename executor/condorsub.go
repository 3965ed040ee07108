package executor

import "github.com/pegasus-go/pegasus/planner/codegen"

// WriteCondorSubmit writes <dag>.condor.sub (the planner writes it; this is
// for submit directories planned without it).
func WriteCondorSubmit(c *codegen.CondorSubmit) error {
	return writeAtomic(c.DAG+".condor.sub", []byte(c.Text()))
}
