// Package synth generates realistic Pegasus 5.x submit directories of any size:
// the planner's files (braindump.yml, the .dag, one .sub per job, .static.bp,
// .metrics, .notify, ...), a DAGMan log (<dag>.dagman.out) written by simulating
// DAGMan and an HTCondor pool second by second, one kickstart record and one
// PegasusLite stderr file per job try, the rescue DAG on failure, and
// truth.json, the ground truth tests compare statistics against.
//
// The output is a deterministic function of the Options (same options, same
// bytes): the workflow UUID, every duration and every injected failure come
// from the seed, times come from Options.Start, and no map order or clock is
// consulted. It feeds the tests and benchmarks of ingest, stampede and report;
// it must not import them (except ingest in its tests, to read back the DAG).
package synth
