// Package ingest turns the files of a Pegasus submit directory (dagman.out,
// jobstate.log, the .dag and .sub files, the static.bp NetLogger file, kickstart
// records, braindump, metrics and notify files) into one ordered stream of
// Stampede events (FORMATS.md §3), the way pegasus-monitord does.
//
// Data flows plan -> run -> ingest -> stampede -> report: this package must not
// import stampede or report. Every reader streams line by line, reports
// malformed input as a *ParseError ("file:line: what"), and tolerates a
// truncated last line (a log still being written).
package ingest
