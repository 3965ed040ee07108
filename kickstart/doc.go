// Package kickstart runs one job the way pegasus-kickstart does and
// describes it in an invocation record: when and where it ran, how it
// ended (exit code, signal, or the reason it could not start), its
// resource usage from wait4(2), the stat of its executable and of the
// files named with -s/-S (with sha256 for outputs), its captured stdout
// and stderr, and the machine it ran on. WriteYAML prints the record as
// Pegasus 5.x does (version 3.0, FORMATS.md §5.3); WriteXML prints the
// iv-2.3 XML of Pegasus 2.x–4.x (§5.2). ingest/ksrecord reads both back.
//
// The package is built for a small per-job overhead: the machine section
// costs a uname, a sysinfo, /proc/loadavg and the first page of
// /proc/cpuinfo, read while the job runs; user and group names come from
// /etc/passwd and /etc/group without os/user, and the primary address
// from netlink without the net package, so the command stays a static
// binary. It imports nothing of the project and is Linux-only.
//
// Tools running under kickstart can add file entries to the record by
// appending them (WriteIntegrity) to the file named by
// $KICKSTART_INTEGRITY_DATA, as pegasus-transfer does for the checksums
// it computes.
package kickstart
