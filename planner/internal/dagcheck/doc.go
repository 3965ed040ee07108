// Package dagcheck holds tests that read the planner's output with the
// project's own readers (ingest); production code never imports ingest.
package dagcheck
