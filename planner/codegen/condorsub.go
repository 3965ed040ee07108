package codegen

import (
	"fmt"
	"path/filepath"
	"strings"
)

// CondorSubmit describes the scheduler-universe job that runs a workflow
// under HTCondor: <dag>.condor.sub, with pegasus-dagman as its executable
// (it starts condor_dagman and pegasus-monitord together, so that monitord
// comes and goes with the workflow).
type CondorSubmit struct {
	DAG        string // the .dag file
	PegasusDAG string // the pegasus-dagman executable
	CondorDAG  string // the condor_dagman executable (-Dagman)
	MaxPre     int    // default 20
	MaxPost    int    // default 20
	MaxJobs    int    // 0: no -maxjobs
	WfUUID     string
	RootWfUUID string
	WfName     string // <label>-<index>
	WfTime     string // braindump timestamp
	Version    string // Pegasus version
	ExecSites  string
	ExtraEnv   []string // more KEY=VALUE entries for the environment
}

// Text returns the submit description, in the shape of the file
// condor_submit_dag -no_submit writes, with pegasus-dagman as executable.
func (c *CondorSubmit) Text() string {
	dag := filepath.Base(c.DAG)
	maxPre, maxPost := c.MaxPre, c.MaxPost
	if maxPre <= 0 {
		maxPre = 20
	}
	if maxPost <= 0 {
		maxPost = 20
	}
	condor := c.CondorDAG
	if condor == "" {
		condor = "condor_dagman"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Filename: %s.condor.sub\n# Generated for pegasus-dagman by pegasus-go\n", dag)
	fmt.Fprintf(&b, "universe\t= scheduler\nexecutable\t= %s\ngetenv\t\t= True\n", c.PegasusDAG)
	fmt.Fprintf(&b, "output\t\t= %s.lib.out\nerror\t\t= %s.lib.err\nlog\t\t= %s.dagman.log\n", dag, dag, dag)
	b.WriteString("remove_kill_sig\t= SIGUSR1\n+OtherJobRemoveRequirements\t= \"DAGManJobId =?= $(cluster)\"\n")
	b.WriteString("on_exit_remove\t= (ExitSignal =?= 11 || (ExitCode =!= UNDEFINED && ExitCode >=0 && ExitCode <= 2))\n")
	b.WriteString("copy_to_spool\t= False\n")
	args := fmt.Sprintf("-p 0 -f -l . -Lockfile %s.lock -AutoRescue 1 -DoRescueFrom 0 -Dag %s -MaxPre %d -MaxPost %d", dag, dag, maxPre, maxPost)
	if c.MaxJobs > 0 {
		args += fmt.Sprintf(" -MaxJobs %d", c.MaxJobs)
	}
	args += " -Suppress_notification -Dagman " + condor
	fmt.Fprintf(&b, "arguments\t= \"%s\"\n", args)
	env := append([]string{"_CONDOR_DAGMAN_LOG=" + dag + ".dagman.out", "_CONDOR_MAX_DAGMAN_LOG=0", "PEGASUS_METRICS=true"}, c.ExtraEnv...)
	fmt.Fprintf(&b, "environment\t= \"%s\"\n", strings.Join(env, " "))
	attr := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "+%s=%q\n", k, v)
		}
	}
	attr("pegasus_wf_uuid", c.WfUUID)
	attr("pegasus_root_wf_uuid", c.RootWfUUID)
	attr("pegasus_wf_name", c.WfName)
	attr("pegasus_wf_time", c.WfTime)
	attr("pegasus_version", c.Version)
	b.WriteString("+pegasus_job_class=11\n+pegasus_cluster_size=1\n+pegasus_site=\"local\"\n")
	attr("pegasus_execution_sites", c.ExecSites)
	b.WriteString("+pegasus_wf_xformation=\"pegasus::dagman\"\nqueue\n")
	return b.String()
}
