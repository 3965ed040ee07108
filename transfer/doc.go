// Package transfer moves data for the job-side tools pegasus-transfer,
// pegasus-dirmanager and pegasus-cleanup: it reads Pegasus 5.x transfer
// lists (JSON entries of type transfer, mkdir and remove) and the older
// text list of URL pairs, and carries them out with a Mover: file copies
// (atomic: a temporary file renamed into place), symbolic links for
// same-site transfers when allowed or asked with symlink:// URLs, S3
// uploads (multipart above the part size), downloads and server-side
// copies through aws-sdk-go-v2, http(s) downloads, mkdir -p and rm -rf.
// Requests run concurrently; failed ones are retried with exponential
// back-off unless the failure is permanent (ErrPermanent: a missing source
// or bucket, refused access). With checksums asked for, the sha256 of each
// file is written to kickstart's integrity data so that it lands in the
// job's invocation record.
//
// The log the Mover writes has the shape of Pegasus's pegasus-transfer
// ("Starting transfers - attempt 1", "Stats: ...", "All transfers completed
// successfully."). It imports kickstart (the integrity data format) and
// nothing else of the project.
package transfer
