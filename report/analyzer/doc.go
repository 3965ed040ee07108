// Package analyzer is pegasus-analyzer's engine: it finds the failed, failing
// and held jobs of a workflow run — from its Stampede database
// (FromDatabase) or from the files of its submit directory alone
// (FromFiles) — says for each why it failed (Diagnose: the root cause,
// from the kickstart record, the job's stderr, the HTCondor hold reason or
// the PRE/POST script, matched against the table of Signatures), groups
// the failures by signature and by host, and writes the report as Markdown
// (WriteText, Pegasus 5's layout) or JSON (WriteJSON, Pegasus's keys). It
// also writes the script that re-runs one job locally (WriteDebugScript).
//
// It reads the database through package stampede and the files through
// package ingest; it prints nothing and never exits (the command does).
package analyzer
