// Package plots is pegasus-plots: from a run's Stampede database it draws
// PNG charts of the run (workflow Gantt chart, hosts over time, jobs and
// invocations per hour or day, breakdown per transformation, critical path)
// and the workflow graphs (Graphviz .dot, rendered when dot is installed),
// and writes one self-contained index.html that embeds them all beside the
// summary numbers of pegasus-statistics.
//
// Every chart's data is aggregated by DuckDB (package stampede's plot
// queries), so a run of a million jobs gives charts from a few thousand
// numbers: above a few thousand tries the Gantt and host charts switch from
// one bar per try to binned views. The package reads the database through
// package stampede and report/statistics and never prints; the command
// prints the Result.
package plots
