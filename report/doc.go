// Package report holds what the reporting tools (pegasus-statistics,
// pegasus-analyzer, pegasus-plots) share: finding a run's Stampede database
// from its submit directory, checking that pegasus-monitord finished loading
// it, and printing numbers, durations and fixed-width text tables exactly as
// Pegasus's Python tools print them. The reports themselves live in the
// sub-packages (report/statistics, ...). report reads the database through
// package stampede and must not import monitord or the commands.
package report
