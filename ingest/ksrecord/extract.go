package ksrecord

import (
	"bytes"
	"strconv"
	"unicode/utf8"
)

// This file holds the semantic half of the YAML reader: the callbacks the
// syntax parser calls for keys, items and scalars, which pick the fields
// monitord reads (FORMATS.md §5.3), whatever their order, and ignore the rest.

// Context kinds: where in the record a node sits.
const (
	kIgnore  uint8 = iota
	kTop           // the record's root sequence
	kInv           // the invocation mapping
	kMain          // mainjob
	kUsage         // mainjob.usage
	kStatus        // mainjob.status
	kExec          // mainjob.executable
	kArgv          // mainjob.argument_vector
	kMachine       // machine
	kFiles         // files
	kFile          // files.<name>
	kMPRoot        // multipart document root
	kMPItem        // an item of a multipart list
	kMPEntry       // under a multipart key (flattened into Items)
)

// Scalar fields of the record (values of p.vals, index k-fBase).
const (
	fBase uint8 = 32 + iota
	fHostname
	fHostaddr
	fResource
	fUser
	fTransformation
	fDerivation
	fCwd
	fStart
	fDuration
	fUtime
	fStime
	fMaxRSS
	fRaw
	fExit
	fSigSignal
	fSigName
	fCorefile
	fSuspSignal
	fFailError
	fFailMsg
	fExecName
	fRAM
	fSystem
	fRelease
	fMachine
	fCPUCount
	fCPUSpeed
	fCPUVendor
	fCPUModel
	fCPUName
	fArg
	fEnd
)

// Scalar fields of a files.<name> entry (index k-ffBase).
const (
	ffBase uint8 = 96 + iota
	ffSize
	ffCtime
	ffUser
	ffOutput
	ffSHA256
	ffTiming
	ffData
	ffEnd
)

// pctx is the context a node is parsed in.
type pctx struct {
	k    uint8
	idx  int32 // file or multipart entry index
	plen int32 // multipart: length of the key path in p.path
}

var ignore = pctx{k: kIgnore}

// fileAcc collects one files.<name> entry.
type fileAcc struct {
	name scalar
	vals [ffEnd - ffBase]scalar
	has  uint16
}

// strRef is a string field to point into the record's string block.
type strRef struct {
	dst    *string
	off, n int32
}

// yparser parses one YAML record (or multipart block) held in buf/lines.
type yparser struct {
	name  string
	buf   []byte
	lines []yline
	atEOF bool

	i      int   // current line
	ovLine int   // line whose content starts at ovCol (after "- "), or -1
	ovCol  int32 //
	pos    int32 // flow cursor
	depth  int
	qesc   bool
	qerr   string
	key    scalar // the last key splitKey found

	// Extraction state.
	vals    [fEnd - fBase]scalar
	has     uint64
	argv    []scalar
	hasArgv bool
	sawInv  bool // the first item was a mapping
	sawMain bool
	files   []fileAcc
	fileIdx map[string]int32
	mp      []MultipartEntry
	path    []byte
	arena   []byte
	refs    []strRef
	keyBuf  []byte
	scratch []byte
}

func (p *yparser) resetRecord() {
	p.has = 0
	p.argv = p.argv[:0]
	p.hasArgv, p.sawInv, p.sawMain = false, false, false
	p.files = p.files[:0]
	if len(p.fileIdx) > 0 {
		clear(p.fileIdx)
	}
	p.mp = nil
	p.arena = p.arena[:0]
	p.refs = p.refs[:0]
}

// keyText returns the text of a key for comparison (decoded if quoted with escapes).
func (p *yparser) keyText(key *scalar) []byte {
	if !key.esc {
		return p.buf[key.lo:key.hi]
	}
	p.keyBuf = appendScalar(p.keyBuf[:0], key, p)
	return p.keyBuf
}

func (p *yparser) mapKey(ctx pctx, key *scalar) pctx {
	if ctx.k == kIgnore {
		return ignore
	}
	switch ctx.k {
	case kInv:
		p.sawInv = true
		switch string(p.keyText(key)) {
		case "hostname":
			return pctx{k: fHostname}
		case "hostaddr":
			return pctx{k: fHostaddr}
		case "resource":
			return pctx{k: fResource}
		case "user":
			return pctx{k: fUser}
		case "transformation":
			return pctx{k: fTransformation}
		case "derivation":
			return pctx{k: fDerivation}
		case "cwd":
			return pctx{k: fCwd}
		case "mainjob":
			p.sawMain = true
			return pctx{k: kMain}
		case "machine":
			return pctx{k: kMachine}
		case "files":
			return pctx{k: kFiles}
		}
	case kMain:
		switch string(p.keyText(key)) {
		case "start":
			return pctx{k: fStart}
		case "duration":
			return pctx{k: fDuration}
		case "usage":
			return pctx{k: kUsage}
		case "status":
			return pctx{k: kStatus}
		case "executable":
			return pctx{k: kExec}
		case "argument_vector":
			p.hasArgv = true
			p.argv = p.argv[:0]
			return pctx{k: kArgv}
		}
	case kUsage:
		switch string(p.keyText(key)) {
		case "utime":
			return pctx{k: fUtime}
		case "stime":
			return pctx{k: fStime}
		case "maxrss":
			return pctx{k: fMaxRSS}
		}
	case kStatus:
		switch string(p.keyText(key)) {
		case "raw":
			return pctx{k: fRaw}
		case "regular_exitcode":
			return pctx{k: fExit}
		case "signalled_signal":
			return pctx{k: fSigSignal}
		case "signalled_name":
			return pctx{k: fSigName}
		case "corefile":
			return pctx{k: fCorefile}
		case "suspended_signal":
			return pctx{k: fSuspSignal}
		case "failure_error":
			return pctx{k: fFailError}
		case "failure_message", "failure_msg", "failure":
			return pctx{k: fFailMsg}
		}
	case kExec:
		if string(p.keyText(key)) == "file_name" {
			return pctx{k: fExecName}
		}
	case kMachine:
		switch string(p.keyText(key)) {
		case "ram_total":
			return pctx{k: fRAM}
		case "uname_system":
			return pctx{k: fSystem}
		case "uname_release":
			return pctx{k: fRelease}
		case "uname_machine":
			return pctx{k: fMachine}
		case "cpu_count":
			return pctx{k: fCPUCount}
		case "cpu_speed":
			return pctx{k: fCPUSpeed}
		case "cpu_vendor":
			return pctx{k: fCPUVendor}
		case "cpu_model":
			return pctx{k: fCPUModel}
		case "cpu_name":
			return pctx{k: fCPUName}
		}
	case kFiles:
		return pctx{k: kFile, idx: p.fileEntry(key)}
	case kFile:
		f := ffBase
		switch string(p.keyText(key)) {
		case "size":
			f = ffSize
		case "ctime":
			f = ffCtime
		case "user":
			f = ffUser
		case "output":
			f = ffOutput
		case "sha256":
			f = ffSHA256
		case "checksum_timing":
			f = ffTiming
		case "data":
			f = ffData
		default:
			return ignore
		}
		return pctx{k: f, idx: ctx.idx}
	case kMPRoot, kMPItem:
		var name []byte
		name, _ = appendPyScalar(nil, key, p)
		p.mp = append(p.mp, MultipartEntry{Key: string(name)})
		p.path = p.path[:0]
		return pctx{k: kMPEntry, idx: int32(len(p.mp) - 1)}
	case kMPEntry:
		if ctx.plen >= maxPath {
			return ignore
		}
		p.path = p.path[:ctx.plen]
		if ctx.plen > 0 {
			p.path = append(p.path, '.')
		}
		p.path, _ = appendPyScalar(p.path, key, p)
		return pctx{k: kMPEntry, idx: ctx.idx, plen: int32(len(p.path))}
	}
	return ignore
}

// maxPath bounds the key paths of multipart items: deeper values (never
// written by Pegasus) are checked but not flattened, which keeps the cost of
// flattening linear.
const maxPath = 256

// fileEntry returns the index of the files entry named by key, replacing an
// earlier entry of the same name as a Python dict would.
func (p *yparser) fileEntry(key *scalar) int32 {
	name := p.buf[key.lo:key.hi]
	if len(p.files) >= 16 {
		if p.fileIdx == nil {
			p.fileIdx = make(map[string]int32)
		}
		if len(p.fileIdx) == 0 {
			for i := range p.files {
				n := &p.files[i].name
				p.fileIdx[string(p.buf[n.lo:n.hi])] = int32(i)
			}
		}
		if i, ok := p.fileIdx[string(name)]; ok {
			p.files[i] = fileAcc{name: *key}
			return i
		}
		p.fileIdx[string(name)] = int32(len(p.files))
	} else {
		for i := range p.files {
			n := &p.files[i].name
			if n.style == key.style && bytes.Equal(p.buf[n.lo:n.hi], name) {
				p.files[i] = fileAcc{name: *key}
				return int32(i)
			}
		}
	}
	p.files = append(p.files, fileAcc{name: *key})
	return int32(len(p.files) - 1)
}

func (p *yparser) seqItem(ctx pctx, n int) pctx {
	switch ctx.k {
	case kTop:
		if n == 0 {
			return pctx{k: kInv}
		}
	case kArgv:
		return pctx{k: fArg}
	case kMPRoot:
		return pctx{k: kMPItem}
	case kMPEntry:
		if ctx.plen >= maxPath {
			return ignore
		}
		p.path = p.path[:ctx.plen]
		if ctx.plen > 0 {
			p.path = append(p.path, '.')
		}
		p.path = strconv.AppendInt(p.path, int64(n), 10)
		return pctx{k: kMPEntry, idx: ctx.idx, plen: int32(len(p.path))}
	}
	return ignore
}

func (p *yparser) scalarValue(ctx pctx, sc *scalar) {
	switch k := ctx.k; {
	case k == kIgnore:
	case k == fArg:
		p.argv = append(p.argv, *sc)
	case k > fBase && k < fEnd:
		p.vals[k-fBase] = *sc
		p.has |= 1 << (k - fBase)
	case k > ffBase && k < ffEnd:
		f := &p.files[ctx.idx]
		f.vals[k-ffBase] = *sc
		f.has |= 1 << (k - ffBase)
	case k == kMPEntry:
		v, _ := appendPyScalar(nil, sc, p)
		e := &p.mp[ctx.idx]
		e.Items = append(e.Items, KV{Key: string(p.path[:ctx.plen]), Value: string(v)})
	}
}

// Decoding scalars.

// appendScalar appends the string content of a scalar (for a plain scalar,
// its text as written).
func appendScalar(dst []byte, sc *scalar, p *yparser) []byte {
	switch sc.style {
	case sPlain:
		return append(dst, p.buf[sc.lo:sc.hi]...)
	case sSingle:
		b := p.buf[sc.lo:sc.hi]
		if !sc.esc {
			return append(dst, b...)
		}
		for i := 0; i < len(b); i++ {
			dst = append(dst, b[i])
			if b[i] == '\'' {
				i++ // '' stands for '
			}
		}
		return dst
	case sDouble:
		if !sc.esc {
			return append(dst, p.buf[sc.lo:sc.hi]...)
		}
		return appendUnescaped(dst, p.buf[sc.lo:sc.hi])
	case sLiteral, sFolded:
		return p.appendBlock(dst, sc)
	}
	return dst
}

// appendPyScalar appends Python's str() of the loaded scalar (see pyvalue.go).
// ok is false when PyYAML would fail to construct a plain scalar's value.
func appendPyScalar(dst []byte, sc *scalar, p *yparser) ([]byte, bool) {
	switch sc.style {
	case sNull:
		return append(dst, "None"...), true
	case sPlain:
		return appendPyPlain(dst, p.buf[sc.lo:sc.hi])
	}
	return appendScalar(dst, sc, p), true
}

// appendUnescaped decodes the content of a double-quoted scalar whose escapes
// were validated by the scanner.
func appendUnescaped(dst, b []byte) []byte {
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' {
			dst = append(dst, c)
			continue
		}
		i++
		switch e := b[i]; e {
		case '0':
			dst = append(dst, 0)
		case 'a':
			dst = append(dst, 7)
		case 'b':
			dst = append(dst, 8)
		case 't', '\t':
			dst = append(dst, '\t')
		case 'n':
			dst = append(dst, '\n')
		case 'v':
			dst = append(dst, 11)
		case 'f':
			dst = append(dst, 12)
		case 'r':
			dst = append(dst, '\r')
		case 'e':
			dst = append(dst, 27)
		case 'N':
			dst = utf8.AppendRune(dst, 0x85)
		case '_':
			dst = utf8.AppendRune(dst, 0xA0)
		case 'L':
			dst = utf8.AppendRune(dst, 0x2028)
		case 'P':
			dst = utf8.AppendRune(dst, 0x2029)
		case 'x', 'u', 'U':
			w := 2
			if e == 'u' {
				w = 4
			} else if e == 'U' {
				w = 8
			}
			var r rune
			for _, h := range b[i+1 : i+1+w] {
				d, _ := hexVal(h)
				r = r<<4 | rune(d)
			}
			dst = utf8.AppendRune(dst, r)
			i += w
		default: // ' ', '"', '/', '\\'
			dst = append(dst, e)
		}
	}
	return dst
}

// appendBlock assembles a block scalar as PyYAML does (literal or folded,
// with its chomping).
func (p *yparser) appendBlock(dst []byte, sc *scalar) []byte {
	lines := p.lines[sc.lo:sc.hi]
	breaks := 0 // empty lines pending
	lineBreak := false
	prevNonSpace := false
	started := false
	for _, ln := range lines {
		n := ln.end - ln.off
		if ln.ind == n && n <= sc.bind { // an empty line
			breaks++
			continue
		}
		text := p.buf[ln.off+sc.bind : ln.end]
		nonSpace := text[0] != ' ' && text[0] != '\t'
		if started {
			if sc.style == sFolded && prevNonSpace && nonSpace {
				if breaks == 0 {
					dst = append(dst, ' ')
				}
			} else {
				dst = append(dst, '\n')
			}
		}
		for ; breaks > 0; breaks-- {
			dst = append(dst, '\n')
		}
		dst = append(dst, text...)
		started, lineBreak, prevNonSpace = true, true, nonSpace
	}
	if sc.chomp >= 0 && lineBreak {
		dst = append(dst, '\n')
	}
	if sc.chomp > 0 {
		for ; breaks > 0; breaks-- {
			dst = append(dst, '\n')
		}
	}
	return dst
}

// Numbers and truth values of scalars.

func scalarNumber(sc *scalar, p *yparser) (float64, bool) {
	switch sc.style {
	case sNull:
		return 0, false
	case sPlain:
		return plainNumber(p.buf[sc.lo:sc.hi])
	}
	p.scratch = appendScalar(p.scratch[:0], sc, p)
	return parsePyFloatString(p.scratch)
}

func scalarInt(sc *scalar, p *yparser) (int64, bool) {
	if b := p.buf[sc.lo:sc.hi]; sc.style == sPlain && resolvePlain(b) == pyInt {
		v, bi, ok := pyIntValue(b)
		if ok && bi == nil {
			return v, true
		}
	}
	f, ok := scalarNumber(sc, p)
	if !ok || f != f || f > 9.2e18 || f < -9.2e18 {
		return 0, false
	}
	return int64(f), true
}

func scalarTruthy(sc *scalar, p *yparser) bool {
	switch sc.style {
	case sNull:
		return false
	case sPlain:
		return plainTruthy(p.buf[sc.lo:sc.hi])
	case sSingle, sDouble:
		return sc.hi > sc.lo
	}
	return len(p.appendBlock(p.scratch[:0], sc)) > 0
}

// Building the Record.

func (p *yparser) hasField(f uint8) bool { return p.has&(1<<(f-fBase)) != 0 }
func (p *yparser) field(f uint8) *scalar { return &p.vals[f-fBase] }

// str queues dst to receive Python's str() of field f; null values are absent.
func (p *yparser) str(f uint8, dst *string) bool {
	if !p.hasField(f) || p.field(f).style == sNull {
		return false
	}
	p.queue(p.field(f), dst)
	return true
}

// queue appends str(sc) to the string block and remembers where dst points.
func (p *yparser) queue(sc *scalar, dst *string) {
	off := len(p.arena)
	p.arena, _ = appendPyScalar(p.arena, sc, p)
	p.refs = append(p.refs, strRef{dst: dst, off: int32(off), n: int32(len(p.arena) - off)})
}

func (p *yparser) num(f uint8) (float64, bool) {
	if !p.hasField(f) {
		return 0, false
	}
	return scalarNumber(p.field(f), p)
}

func (p *yparser) intField(f uint8) (int64, bool) {
	if !p.hasField(f) {
		return 0, false
	}
	return scalarInt(p.field(f), p)
}

// fileName returns the files entry name as monitord sees it.
func (p *yparser) fileName(fa *fileAcc) []byte {
	p.keyBuf, _ = appendPyScalar(p.keyBuf[:0], &fa.name, p)
	return p.keyBuf
}

func (fa *fileAcc) hasF(f uint8) bool   { return fa.has&(1<<(f-ffBase)) != 0 }
func (fa *fileAcc) val(f uint8) *scalar { return &fa.vals[f-ffBase] }

// finishInvocation fills r from the extracted fields.
func (p *yparser) finishInvocation(r *Record) {
	p.str(fHostname, &r.Hostname)
	p.str(fHostaddr, &r.Hostaddr)
	p.str(fResource, &r.Resource)
	p.str(fUser, &r.User)
	p.str(fTransformation, &r.Transformation)
	r.HasDerivation = p.str(fDerivation, &r.Derivation)
	p.str(fCwd, &r.Cwd)
	startOff := len(p.arena)
	if p.str(fStart, &r.StartText) {
		r.Start, r.HasStart = parseISO8601(p.arena[startOff:])
	}
	r.Duration, r.HasDuration = p.num(fDuration)
	var ok1, ok2 bool
	r.Utime, ok1 = p.num(fUtime)
	r.Stime, ok2 = p.num(fStime)
	r.HasUsage = ok1 || ok2
	r.MaxRSS, r.HasMaxRSS = p.intField(fMaxRSS)
	r.RAMTotal, r.HasRAMTotal = p.intField(fRAM)
	a := p.str(fSystem, &r.System)
	b := p.str(fRelease, &r.Release)
	c := p.str(fMachine, &r.Machine)
	r.HasUname = a || b || c
	if v, ok := p.intField(fCPUCount); ok {
		r.CPUCount = int(v)
	}
	if v, ok := p.intField(fCPUSpeed); ok {
		r.CPUSpeed = int(v)
	}
	p.str(fCPUVendor, &r.CPUVendor)
	if !p.str(fCPUModel, &r.CPUModel) {
		p.str(fCPUName, &r.CPUModel)
	}
	p.str(fExecName, &r.Executable)
	if v, ok := p.intField(fRaw); ok {
		r.Raw, r.HasRaw = int(v), true
	}
	if v, ok := p.intField(fExit); ok {
		r.ExitCode, r.HasExit = int(v), true
	}
	if v, ok := p.intField(fSigSignal); ok {
		r.Signal, r.Signalled = int(v), true
	}
	p.str(fSigName, &r.SignalName)
	if p.hasField(fCorefile) {
		r.Corefile = scalarTruthy(p.field(fCorefile), p)
	}
	if v, ok := p.intField(fSuspSignal); ok && !r.Signalled {
		r.Signal, r.Suspended = int(v), true
	}
	if v, ok := p.intField(fFailError); ok {
		r.FailureError, r.HasFailure = int(v), true
	}
	if p.str(fFailMsg, &r.Failure) {
		r.HasFailure = true
	}
	r.HasArgv = p.hasArgv
	if len(p.argv) > 0 {
		r.Argv = make([]string, len(p.argv))
		for i := range p.argv {
			p.queue(&p.argv[i], &r.Argv[i])
		}
	}

	nOut := 0
	for i := range p.files {
		fa := &p.files[i]
		name := p.fileName(fa)
		switch string(name) {
		case "stdout":
			if fa.hasF(ffData) && fa.val(ffData).style != sNull {
				p.queue(fa.val(ffData), &r.Stdout)
				r.HasStdout = true
			}
			continue
		case "stderr":
			if fa.hasF(ffData) && fa.val(ffData).style != sNull {
				p.queue(fa.val(ffData), &r.Stderr)
				r.HasStderr = true
			}
			continue
		case "stdin", "metadata":
			continue
		}
		out := fa.hasF(ffOutput) && scalarTruthy(fa.val(ffOutput), p)
		if out {
			nOut++
		}
		if fa.hasF(ffSize) {
			if n, ok := scalarInt(fa.val(ffSize), p); ok {
				if out {
					r.OutputBytes += n
				} else {
					r.InputBytes += n
				}
			}
		}
	}
	if nOut > 0 {
		r.Outputs = make([]OutputFile, 0, nOut)
		for i := range p.files {
			fa := &p.files[i]
			switch string(p.fileName(fa)) {
			case "stdout", "stderr", "stdin", "metadata":
				continue
			}
			if !fa.hasF(ffOutput) || !scalarTruthy(fa.val(ffOutput), p) {
				continue
			}
			r.Outputs = append(r.Outputs, OutputFile{})
			o := &r.Outputs[len(r.Outputs)-1]
			p.queue(&fa.name, &o.LFN)
			if fa.hasF(ffSize) {
				p.queue(fa.val(ffSize), &o.Size)
			}
			if fa.hasF(ffCtime) {
				p.queue(fa.val(ffCtime), &o.Ctime)
			}
			if fa.hasF(ffUser) {
				p.queue(fa.val(ffUser), &o.User)
			}
			if fa.hasF(ffSHA256) {
				o.ChecksumType = "sha256"
				p.queue(fa.val(ffSHA256), &o.ChecksumValue)
			}
			if fa.hasF(ffTiming) {
				p.queue(fa.val(ffTiming), &o.ChecksumTiming)
			}
		}
	}
	p.resolveRefs()
}

// resolveRefs turns the string block into one string and points every queued
// field into it: one allocation for all the strings of a record.
func (p *yparser) resolveRefs() {
	if len(p.refs) == 0 {
		return
	}
	s := string(p.arena)
	for _, ref := range p.refs {
		*ref.dst = s[ref.off : ref.off+ref.n]
	}
	p.refs = p.refs[:0]
	p.arena = p.arena[:0]
}

// finishMultipart returns the entries of a multipart block.
func (p *yparser) finishMultipart() []MultipartEntry {
	for i := range p.mp {
		e := &p.mp[i]
		if e.Key != "integrity_summary" {
			continue
		}
		s := &IntegritySummary{}
		for _, kv := range e.Items {
			switch kv.Key {
			case "succeeded":
				if v, ok := pyInt64(kv.Value); ok {
					s.Succeeded = int(v)
				}
			case "failed":
				if v, ok := pyInt64(kv.Value); ok {
					s.Failed = int(v)
				}
			case "duration":
				if f, ok := parsePyFloatString([]byte(kv.Value)); ok {
					s.Duration, s.HasDuration = f, true
				}
			}
		}
		e.IntegritySummary = s
	}
	return p.mp
}

// pyInt64 parses an int as Python's int() of the stored str() would.
func pyInt64(s string) (int64, bool) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err == nil {
		return v, true
	}
	f, ok := parsePyFloatString([]byte(s))
	if !ok || f != f {
		return 0, false
	}
	return int64(f), true
}
