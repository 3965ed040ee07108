package synth

import (
	"sort"
	"strconv"

	"github.com/pegasus-go/pegasus/internal/dagmanstats"
)

// postScript is the POST script line of a node (executable and arguments).
func postScript(l *layout, n *node) string {
	s := binDir + "/pegasus-exitcode  -r $RETURN "
	if n.typ == typeCompute {
		s += "-s PegasusLite:+exitcode+0 "
	}
	return s + "-l " + l.prefix + ".exitcode.log -M " + l.prefix + ".cache.meta   .//" + n.dir + "/" + n.name + ".out"
}

// banner writes DAGMan's start-up lines, up to the initial status.
func (s *sim) banner(t0 int64) {
	id := strconv.FormatInt(s.l.dagmanID, 10)
	dag := s.l.dag
	lines := []string{
		"******************************************************",
		"** condor_scheduniv_exec." + id + ".0 (CONDOR_DAGMAN) STARTING UP",
		"** " + binDir + "/condor_dagman",
		"** SubsystemInfo: name=DAGMAN type=DAGMAN(9) class=CLIENT(2)",
		"** Configuration: subsystem:DAGMAN local:<NONE> class:CLIENT",
		"** " + condorVersionID,
		"** $CondorPlatform: x86_64_AlmaLinux8 $",
		"** PID = " + strconv.FormatInt(s.l.dagmanPID, 10),
		"** Log last touched time unavailable (No such file or directory)",
		"******************************************************",
		"Using config source: /etc/condor/condor_config",
		"Using local config sources:",
		"   /etc/condor/config.d/00-htcondor-9.0.config",
		"   /etc/condor/config.d/50-pool.config",
		"   /etc/condor/condor_config.local",
		"config Macros = 78, Sorted = 77, StringBytes = 2341, TablesBytes = 2856",
		"CLASSAD_CACHING is ENABLED",
		"Daemon Log is logging: D_ALWAYS D_ERROR D_STATUS",
		"DaemonCore: No command port requested.",
		"DAGMAN_USE_STRICT setting: 1",
		"DAGMAN_VERBOSITY setting: 3",
		"DAGMAN_DEBUG_CACHE_SIZE setting: 5242880",
		"DAGMAN_DEBUG_CACHE_ENABLE setting: False",
		"DAGMAN_SUBMIT_DELAY setting: 0",
		"DAGMAN_MAX_SUBMIT_ATTEMPTS setting: 6",
		"DAGMAN_STARTUP_CYCLE_DETECT setting: False",
		"DAGMAN_MAX_SUBMITS_PER_INTERVAL setting: " + itoa(maxSubmitsPerCyc),
		"DAGMAN_AGGRESSIVE_SUBMIT setting: False",
		"DAGMAN_USER_LOG_SCAN_INTERVAL setting: " + itoa(cycleMs/1000),
		"DAGMAN_QUEUE_UPDATE_INTERVAL setting: 300",
		"DAGMAN_DEFAULT_PRIORITY setting: 0",
		"DAGMAN_SUPPRESS_NOTIFICATION setting: True",
		"allow_events (DAGMAN_ALLOW_EVENTS) setting: 114",
		"DAGMAN_RETRY_SUBMIT_FIRST setting: True",
		"DAGMAN_RETRY_NODE_FIRST setting: False",
		"DAGMAN_MAX_JOBS_IDLE setting: " + itoa(maxIdle),
		"DAGMAN_MAX_JOBS_SUBMITTED setting: 0",
		"DAGMAN_MAX_PRE_SCRIPTS setting: 20",
		"DAGMAN_MAX_POST_SCRIPTS setting: " + itoa(maxPost),
		"DAGMAN_MAX_HOLD_SCRIPTS setting: 20",
		"DAGMAN_MUNGE_NODE_NAMES setting: True",
		"DAGMAN_PROHIBIT_MULTI_JOBS setting: False",
		"DAGMAN_SUBMIT_DEPTH_FIRST setting: False",
		"DAGMAN_ALWAYS_RUN_POST setting: False",
		"DAGMAN_CONDOR_SUBMIT_EXE setting: " + binDir + "/condor_submit",
		"DAGMAN_USE_DIRECT_SUBMIT setting: True",
		"DAGMAN_DEFAULT_APPEND_VARS setting: False",
		"DAGMAN_ABORT_DUPLICATES setting: True",
		"DAGMAN_ABORT_ON_SCARY_SUBMIT setting: True",
		"DAGMAN_PENDING_REPORT_INTERVAL setting: 600",
		"DAGMAN_AUTO_RESCUE setting: True",
		"DAGMAN_MAX_RESCUE_NUM setting: 100",
		"DAGMAN_WRITE_PARTIAL_RESCUE setting: True",
		"DAGMAN_DEFAULT_NODE_LOG setting: @(DAG_DIR)/@(DAG_FILE).nodes.log",
		"DAGMAN_GENERATE_SUBDAG_SUBMITS setting: True",
		"DAGMAN_MAX_JOB_HOLDS setting: 100",
		"DAGMAN_HOLD_CLAIM_TIME setting: 20",
		"ALL_DEBUG setting:",
		"DAGMAN_DEBUG setting:",
		"DAGMAN_SUPPRESS_JOB_LOGS setting: False",
		"DAGMAN_REMOVE_NODE_JOBS setting: True",
		"DAGMAN will adjust edges after parsing",
	}
	argv := []string{"condor_scheduniv_exec." + id + ".0", "-Lockfile", dag + ".lock", "-AutoRescue", "1",
		"-DoRescueFrom", "0", "-Dag", dag, "-MaxPost", itoa(maxPost), "-Suppress_notification",
		"-CsdVersion", condorVersionID, "-Dagman", binDir + "/condor_dagman"}
	for i, a := range argv {
		lines = append(lines, "argv["+itoa(i)+"] == \""+a+"\"")
	}
	lines = append(lines,
		"Workflow batch-id: <"+id+".0>",
		"Workflow batch-name: <"+dag+"+"+id+">",
		"Workflow accounting_group: <>",
		"Workflow accounting_group_user: <>",
		"Warning: failed to get attribute DAGNodeName",
		"DAGMAN_LOG_ON_NFS_IS_ERROR setting: False",
		"Default node log file is: <"+s.l.submit+"/./"+dag+".nodes.log>",
		"DAG Lockfile will be written to "+dag+".lock",
		"DAG Input file is "+dag,
		"Parsing 1 dagfiles",
		"Parsing "+dag+" ...",
		"Adjusting edges",
	)
	var used [4]bool
	for _, n := range s.p.nodes {
		used[n.category] = true
	}
	var warn []string // DAGMan reports unused categories in name order
	for _, m := range s.c.maxJobs {
		has := false
		for k, name := range catName {
			if name == m.cat && k != catNone && used[k] {
				has = true
			}
		}
		if !has {
			warn = append(warn, "Warning: category "+m.cat+" has no assigned nodes, so the throttle setting ("+itoa(m.limit)+") will have no effect")
		}
	}
	sort.Strings(warn)
	lines = append(lines, warn...)
	lines = append(lines,
		"Dag contains "+itoa(len(s.p.nodes))+" total jobs",
		"Bootstrapping...",
		"Number of pre-completed nodes: 0",
		"MultiLogFiles: truncating log file "+s.l.submit+"/./"+dag+".nodes.log",
	)
	for _, ln := range lines {
		s.say(t0, ln)
	}
}

// runtimeStats mimics the "DAGMan Runtime Statistics" ClassAd DAGMan logs
// after every status table. The values are invented but consistent.
type runtimeStats struct{ dagmanstats.Runtime }

func (r *runtimeStats) cycle(g *rng, k int) {
	r.Submit.Add(5e-6 + 1e-5*g.float())
	if k > 1 {
		r.Event.Add(1.2e-5 + 4e-4*g.float())
		r.Sleep.Add(4.4 + 1.0*g.float())
	}
}

func (r *runtimeStats) logCycle(g *rng, events int) {
	if events > 0 {
		r.LogProcess.Add(1.5e-4 + 1.2e-4*float64(events)*g.float())
	}
}
