// Package executor runs an HTCondor DAGMan workflow — the .dag and .sub
// files pegasus-plan writes — on this machine, the way DAGMan and HTCondor
// would: dependency order, PRIORITY, the -maxjobs limit and MAXJOBS per
// CATEGORY, RETRY, PRE and POST scripts (the POST script decides the
// node's result), SUBDAG EXTERNAL sub-workflows, file transfer for jobs
// that ask for it, and a rescue DAG when the run fails or is removed, so
// that the next run resumes where this one stopped.
//
// It writes <dag>.dagman.out in HTCondor DAGMan's line formats, so that
// pegasus-monitord reads a local run exactly as an HTCondor one, the job
// event logs the submit files name (log = ...), and <dag>.metrics.
// Scheduling is event-driven: a job's end is handled as soon as its
// process exits, and the log is flushed whenever the executor waits.
// docs/executor.md lists the DAGMan and submit-file syntax it honours.
package executor
