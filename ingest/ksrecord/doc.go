// Package ksrecord parses the pegasus-kickstart invocation records found in job
// output files (<job>.out, <job>.out.NNN): YAML records as Pegasus 5.x writes
// them, XML records (schema iv-2.x) as Pegasus 2.x to 4.x wrote them, the
// cluster lines of clustered jobs and the multipart blocks (FORMATS.md §5).
// It keeps only what pegasus-monitord uses (see Record). It is a leaf of
// ingest: it imports nothing of the project.
//
// # Framing
//
// A file is read line by line, holding at most one record in memory. The
// format is that of the first marker line: "<?xml" or "<invocation" (XML),
// "- invocation:" (YAML). Then, as monitord does:
//
//   - An XML record runs from "<invocation" to the first "</invocation>";
//     text between records is skipped.
//   - A YAML record runs from its "- invocation:" line up to the next line
//     starting with "[cluster-", "[seqexec-", the multipart marker or "- invocation:"
//     (a record of its own: monitord would read two such records as one
//     YAML list), or the end of the file. Inside it, only lines starting
//     with a space, "-", "l", or empty are kept: foreign text such as a
//     batch system's epilogue is dropped.
//   - "[cluster-task", "[cluster-summary" and their pre-4.0 names
//     "[seqexec-task", "[seqexec-summary" start a one-line record ending at
//     the first "]", anywhere in a line between records.
//   - A line starting with "---------------pegasus-multipart" (YAML files)
//     starts a multipart block, framed and filtered like a YAML record.
//   - Line breaks are "\n", "\r\n" and, in YAML files, a lone "\r" (Python's
//     universal newlines).
//
// # Errors
//
// As in Pegasus, one unparsable record aborts the whole file: Parse returns a
// *ParseError ("file:line: what") whose cause wraps ErrTruncated, ErrSyntax,
// ErrGarbage or ErrTooLong, and the caller falls back to what the submit
// files say. Errors are:
//
//   - ErrTruncated: the end of the file inside an XML record, a flow
//     collection or a quoted scalar; a YAML record or multipart block whose
//     last line has no line break (the file was cut mid-line); a YAML record
//     without a mainjob (cut before it); a cluster line without "]" at the
//     end of the file.
//   - ErrSyntax: XML that is not well formed or whose root is not
//     <invocation>; YAML that PyYAML rejects (bad indentation, "key: a: b",
//     tabs outside scalars, unknown escapes, a stray line after the
//     record's list, ...) or that falls outside the subset kickstart
//     writes (anchors, aliases, tags, complex keys, multi-line plain or
//     quoted scalars); a cluster line without "]" or with a part lacking "=".
//   - ErrGarbage: a character PyYAML's reader rejects inside a YAML record
//     (control characters, DEL, C1 controls, invalid UTF-8), a control
//     character inside an XML record, or a file that holds binary data
//     (control characters outside records) and no record at all. Binary
//     data beside records is skipped, as monitord skips it.
//   - ErrTooLong: a line over 64 MiB or a record over 256 MiB.
//
// An empty file, or a file with no record, gives a File with Format "" and no
// error. An error reading the input is returned as is, wrapped with the name.
//
// # Values
//
// Values are read whatever the order of keys; unknown keys (environment,
// limits, procs, jobids, ...) are checked for syntax and ignored. Values of
// the wrong type (a duration that is not a number, ...) leave the field
// unset rather than fail: monitord stores what it is given. YAML scalars are
// resolved as PyYAML's safe loader without timestamps does (pyvalue.go), so
// string fields hold Python's str() of the loaded value ("0.00" gives
// "0.0"); a YAML null leaves a Record string field empty but gives "None" in
// an OutputFile, as Pegasus stores it. XML values are the attribute or
// element text.
//
// Times (mainjob start, cluster starts) are converted from ISO 8601 (basic or
// extended, with a fraction and a zone; no zone means UTC) to epoch seconds;
// the text is kept in StartText. Output files are the YAML files entries
// with a true "output" (the lfn is the entry's key) or the XML "final"
// statcalls with an lfn. InputBytes/OutputBytes sum the sizes of the other
// YAML entries (stdin, stdout, stderr and metadata excluded) by output flag,
// or of the XML "initial"/"final" statcalls.
//
// HasStdout/HasStderr are set when the YAML stdout/stderr entry has a data
// key, or the XML stdout/stderr statcall has non-empty <data>. Monitoring
// payloads are left in the text: SplitPayloads removes them as monitord does.
//
// # Speed
//
// The YAML reader is hand-written for the subset kickstart emits (yaml.go):
// it validates every line but decodes only the fields it keeps, and all the
// strings of a record share one allocation. Reuse a Parser for many files.
package ksrecord
