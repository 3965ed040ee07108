// Package statistics is pegasus-statistics: from a run's Stampede database
// it writes Pegasus's statistics files (summary, workflow, jobs, breakdown,
// integrity and time statistics, as text or CSV) with the same layout and
// the same numbers as the Python tool, including its odd definitions (see
// docs/statistics.md). The queries are in package stampede; this package
// formats their results. It never prints: the command prints the Result.
package statistics
