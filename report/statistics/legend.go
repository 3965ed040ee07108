package statistics

import "strings"

// The comment blocks at the top of each file. They explain the same terms,
// in the same order and under the same names, as Pegasus's files do; the
// wording is ours. Every line starts with "#" and ends with "\n" (comment
// lines in the CSV files end with LF while records end with CRLF, as in
// Pegasus).

const legendBanner = `#
# Pegasus Workflow Management System - https://pegasus.isi.edu
#
`

const legendCounts = `# Workflow summary:
#   Counts of the tasks, jobs and sub-workflows of the run and of how
#   they ended. For a hierarchical workflow the counts cover the
#   workflow and all its sub-workflows together. Columns:
#     * Succeeded - tasks/jobs/sub-workflows whose last try succeeded.
#     * Failed - tasks/jobs/sub-workflows whose last try failed.
#     * Incomplete - tasks/jobs/sub-workflows that neither succeeded
#       nor failed: never submitted, still queued or running, or
#       finished without an exit code. It is Total minus Succeeded
#       minus Failed.
#     * Total - all tasks/jobs/sub-workflows of the workflow.
#     * Retries - tries beyond the first one.
#     * Total+Retries - tries that finished: Succeeded plus Failed
#       plus Retries.
`

const legendTimes = `# Workflow wall time:
#   Time from the start of the workflow to its end, as DAGMan logged
#   them. When a rescue DAG restarted the workflow, the durations of
#   all its runs are added up.
# Cumulative job wall time:
#   Sum of the run times of all jobs, as kickstart measured them, every
#   try included. For hierarchical workflows (SUBDAG and SUBDAX jobs)
#   the jobs of the sub-workflows are included.
# Cumulative job wall time as seen from submit side:
#   Sum of the run times of all jobs as DAGMan saw them, every try
#   included. It adds the job management overhead and delays to the
#   kickstart times. For hierarchical workflows (SUBDAG and SUBDAX jobs)
#   the jobs of the sub-workflows are included.
# Cumulative job badput wall time:
#   Sum of the kickstart run times of the failed tries of all jobs.
#   For hierarchical workflows (SUBDAG and SUBDAX jobs) the jobs of the
#   sub-workflows are included.
# Cumulative job badput wall time as seen from submit side:
#   Sum of the run times of the failed tries of all jobs as DAGMan saw
#   them, job management overhead and delays included. For hierarchical
#   workflows (SUBDAG and SUBDAX jobs) the jobs of the sub-workflows are
#   included.
`

const legendWorkflow = `# Workflow summary
#   Counts of the tasks, jobs and sub-workflows of each workflow and of
#   how they ended: one table per workflow (a hierarchical workflow
#   gets one for itself and one for each sub-workflow), then a last
#   table, All Workflows, for all of them together. Columns:
#
#     * WF Retries - how many times the workflow was restarted.
#     * Succeeded - tasks/jobs/sub-workflows whose last try succeeded.
#     * Failed - tasks/jobs/sub-workflows whose last try failed.
#     * Incomplete - tasks/jobs/sub-workflows that neither succeeded
#       nor failed: never submitted, still queued or running, or
#       finished without an exit code. It is Total minus Succeeded
#       minus Failed.
#     * Total - all tasks/jobs/sub-workflows of the workflow.
#     * Retries - tries beyond the first one.
#     * Total+Retries - tries that finished: Succeeded plus Failed
#       plus Retries.
#
`

const legendJobs = `# Job            - the job's name
# Try            - which try of the job this is (1 for the first)
# Site           - the site the try ran on
# Kickstart      - run time of the try on the remote node, in seconds,
#                  as kickstart measured it
# Mult           - the multiplier factor the user gave the job
# Kickstart-Mult - Kickstart multiplied by Mult
# CPU-Time       - CPU time of the try on the remote node (user plus
#                  system time)
# Post           - run time of the POST script, as DAGMan logged it
# CondorQTime    - time from DAGMan's submission to the grid submission
#                  (or the start); an estimate of the time spent in the
#                  local Condor queue
# Resource       - time from the grid submission to the start of the
#                  job on the remote node; an estimate of the time spent
#                  in the remote queue
# Runtime        - run time of the try as DAGMan saw it; never less
#                  than Kickstart
# Seqexec        - run time of a clustered job as a whole
# Seqexec-Delay  - Seqexec minus the sum of the Kickstart times of the
#                  clustered tasks
# Exitcode       - the exit code of the try
# Hostname       - the host the try ran on, as kickstart reported it
`

const legendBreakdown = `# Transformation   - the transformation's name.
# Type             - successful or failed.
# Count            - how many invocations of the transformation ran.
# Min(sec)         - shortest run time of an invocation of the
#                    transformation.
# Max(sec)         - longest run time of an invocation of the
#                    transformation.
# Mean(sec)        - mean run time of the invocations of the
#                    transformation.
# Total(sec)       - summed run time of the invocations of the
#                    transformation.
# Min (mem)        - smallest peak memory (maximum resident set size)
#                    of an invocation of the transformation, in MB.
# Max (mem)        - largest peak memory (maximum resident set size)
#                    of an invocation of the transformation, in MB.
# Mean (mem)       - mean peak memory (maximum resident set size) of
#                    the invocations of the transformation, in MB.
# Min (avg. cpu)   - lowest average CPU use of an invocation of the
#                    transformation.
# Max (avg. cpu)   - highest average CPU use of an invocation of the
#                    transformation.
# Mean (avg. cpu)  - mean average CPU use of the invocations of the
#                    transformation.
`

const legendIntegrity = `# Integrity Statistics Breakdown
# Type           - the kind of integrity work:
#                    check - a file's checksum was compared,
#                    compute - a file's checksum was computed
# File Type      - input or output, from the job's point of view
# Count          - how many times it was done
# Total Duration - the time it took, summed over those times, in
#                    seconds, for each type and file type
`

// legendTime returns the time statistics legend for the given bucket name
// ("day" or "hour"); withHosts adds the per-host entries.
func legendTime(f string, jobs, hosts bool) string {
	var b strings.Builder
	if jobs {
		b.WriteString("# Job instance statistics per " + f + ":\n")
		b.WriteString("#   how many job instances ran, and their summed run time, per " + f + "\n")
		b.WriteString("# Invocation statistics per " + f + ":\n")
		b.WriteString("#   how many invocations ran, and their summed run time, per " + f + "\n")
	}
	if hosts {
		b.WriteString("# Job instance statistics by host per " + f + ":\n")
		b.WriteString("#   how many job instances ran, and their summed run time, on each host per " + f + "\n")
		b.WriteString("# Invocation by host per " + f + ":\n")
		b.WriteString("#   how many invocations ran, and their summed run time, on each host per " + f + "\n")
	}
	return b.String()
}
