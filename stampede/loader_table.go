package stampede

import (
	"database/sql/driver"
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"sync"
	"unicode/utf8"
	"unsafe"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/duckdb/duckdb-go/v2/mapping"
)

// tableID names a table the loader writes.
type tableID uint8

const (
	tWorkflow tableID = iota
	tWorkflowstate
	tWorkflowMeta
	tWorkflowMetrics
	tHost
	tJob
	tJobEdge
	tJobInstance
	tJobstate
	tTag
	tTask
	tTaskEdge
	tTaskMeta
	tInvocation
	tIntegrity
	tRCLFN
	tRCPFN
	tRCMeta
	tWorkflowFiles
	tLFNWorkflow
	// Temporary staging tables of replicas (staged mode).
	tLoadNames
	tLoadRCMeta
	tLoadRCPFN
	tLoadWfFiles
	numTables
)

var tableNames = [numTables]string{
	tWorkflow: "workflow", tWorkflowstate: "workflowstate", tWorkflowMeta: "workflow_meta",
	tWorkflowMetrics: "workflow_metrics", tHost: "host", tJob: "job", tJobEdge: "job_edge",
	tJobInstance: "job_instance", tJobstate: "jobstate", tTag: "tag", tTask: "task", tTaskEdge: "task_edge",
	tTaskMeta: "task_meta", tInvocation: "invocation", tIntegrity: "integrity", tRCLFN: "rc_lfn",
	tRCPFN: "rc_pfn", tRCMeta: "rc_meta", tWorkflowFiles: "workflow_files", tLFNWorkflow: "lfn_workflow",
	tLoadNames: "_load_names", tLoadRCMeta: "_load_rc_meta", tLoadRCPFN: "_load_rc_pfn", tLoadWfFiles: "_load_wf_files",
}

func (t tableID) String() string { return tableNames[t] }

// chunkRows is the number of rows buffered per table before they are handed
// to DuckDB: one DuckDB vector.
const chunkRows = 2048

type cellKind uint8

const (
	kNull cellKind = iota
	kInt
	kFloat
	kBool
	kStr
)

// cell is one value of a buffered row. Floats are kept as their bits.
type cell struct {
	s string
	i int64
	k cellKind
}

// tbuf buffers the rows of one table and writes them to DuckDB a chunk at a
// time. Rows are built with the typed setters (I, F, S, ...) in column order
// and finished with end:
//
//	l.row(tJobstate).I(id).S(state).F(ts).I(seq).NS(reason).end()
//
// With the connection's C handle (the common case) a chunk is written
// straight into a DuckDB data chunk: numbers are stored in place, strings of
// up to 12 bytes inline and longer ones pointing into a pinned arena that
// DuckDB copies from when the chunk is appended; one cgo call per column and
// chunk instead of one per value. Without it, rows go through duckdb-go's
// Appender. Full chunks are written by the loader's writer goroutine: the
// fields from app on belong to it while it runs.
type tbuf struct {
	id    tableID
	l     *loader
	ncol  int
	cells []cell // rows × ncol, row-major
	rows  int
	err   error
	free  chan []cell // cell buffers the writer is done with
	nbuf  int         // cell buffers made

	// Direct mode.
	app    mapping.Appender
	cols   []colInfo
	types  []mapping.LogicalType
	chunk  mapping.DataChunk
	arena  []byte
	pin    runtime.Pinner
	chunks int // appended since the last flush

	// Appender mode.
	dapp *duckdb.Appender
	vals []driver.Value
}

type colInfo struct {
	typ  mapping.Type // column type
	enum map[string]uint32
	ew   uintptr // ENUM: bytes per index
}

// I sets the next column to an integer (BIGINT, INTEGER).
func (t *tbuf) I(v int64) *tbuf { t.cells = append(t.cells, cell{i: v, k: kInt}); return t }

// F sets the next column to a DOUBLE.
func (t *tbuf) F(v float64) *tbuf {
	t.cells = append(t.cells, cell{i: int64(math.Float64bits(v)), k: kFloat})
	return t
}

// B sets the next column to a BOOLEAN.
func (t *tbuf) B(v bool) *tbuf {
	c := cell{k: kBool}
	if v {
		c.i = 1
	}
	t.cells = append(t.cells, c)
	return t
}

// S sets the next column to a string (VARCHAR or ENUM).
func (t *tbuf) S(v string) *tbuf { t.cells = append(t.cells, cell{s: v, k: kStr}); return t }

// NS sets the next column to a string, NULL when empty.
func (t *tbuf) NS(v string) *tbuf {
	if v == "" {
		return t.N()
	}
	return t.S(v)
}

// N sets the next column to NULL.
func (t *tbuf) N() *tbuf { t.cells = append(t.cells, cell{}); return t }

// PI sets the next column from a pointer, NULL when nil.
func (t *tbuf) PI(p *int64) *tbuf {
	if p == nil {
		return t.N()
	}
	return t.I(*p)
}

// OS, OF and OI set the next column from an optional value, NULL when absent.
func (t *tbuf) OS(o opt[string]) *tbuf {
	if !o.ok {
		return t.N()
	}
	return t.S(o.v)
}

func (t *tbuf) OF(o opt[float64]) *tbuf {
	if !o.ok {
		return t.N()
	}
	return t.F(o.v)
}

func (t *tbuf) OI(o opt[int64]) *tbuf {
	if !o.ok {
		return t.N()
	}
	return t.I(o.v)
}

// end finishes the row; a full chunk is written.
func (t *tbuf) end() error {
	if t.err != nil {
		return t.err
	}
	t.rows++
	if len(t.cells) != t.rows*t.ncol {
		t.err = fmt.Errorf("append to %s: %d values for %d columns", t.id, len(t.cells)-(t.rows-1)*t.ncol, t.ncol)
		return t.err
	}
	if t.rows == chunkRows {
		return t.l.submit(t)
	}
	return nil
}

// row starts a row of table id.
func (l *loader) row(id tableID) *tbuf {
	if t := l.tabs[id]; t != nil {
		return t
	}
	t, err := l.openTable(id)
	if err != nil {
		return &tbuf{id: id, err: err}
	}
	l.tabs[id] = t
	return t
}

// writer writes full chunks to DuckDB on its own goroutine while the loader
// goes on with the next events. It is the only user of the connection
// between syncs: the loader calls sync before anything else that uses it
// (SQL statements, opening or flushing an appender).
type writer struct {
	jobs chan wjob
	done chan struct{}
	mu   sync.Mutex
	err  error // the first failure
}

type wjob struct {
	t     *tbuf
	cells []cell
	rows  int
	sync  chan struct{} // a barrier instead
}

func (w *writer) run() {
	defer close(w.done)
	for j := range w.jobs {
		if j.sync != nil {
			close(j.sync)
			continue
		}
		if w.error() == nil {
			if err := j.t.writeCells(j.cells, j.rows); err != nil {
				w.mu.Lock()
				w.err = err
				w.mu.Unlock()
			}
		}
		clear(j.cells) // drop references to the event texts
		j.t.free <- j.cells[:0]
	}
}

func (w *writer) error() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// startWriter starts the writer of a transaction.
func (l *loader) startWriter() {
	l.w = &writer{jobs: make(chan wjob, 16), done: make(chan struct{})}
	go l.w.run()
}

// stopWriter waits for the writer to finish and returns its error.
func (l *loader) stopWriter() error {
	if l.w == nil {
		return nil
	}
	close(l.w.jobs)
	<-l.w.done
	err := l.w.err
	l.w = nil
	return err
}

// sync waits until the writer has written every chunk handed to it.
func (l *loader) sync() error {
	if l.w == nil {
		return nil
	}
	ch := make(chan struct{})
	l.w.jobs <- wjob{sync: ch}
	<-ch
	return l.w.error()
}

// buffersPerTable bounds the chunks of a table buffered or being written.
const buffersPerTable = 3

// submit hands a table's full chunk to the writer and gives the table an
// empty buffer.
func (l *loader) submit(t *tbuf) error {
	if l.w == nil {
		return t.write()
	}
	if err := l.w.error(); err != nil {
		return err
	}
	l.w.jobs <- wjob{t: t, cells: t.cells, rows: t.rows}
	t.rows = 0
	select {
	case t.cells = <-t.free:
	default:
		if t.nbuf < buffersPerTable {
			t.nbuf++
			t.cells = make([]cell, 0, chunkRows*t.ncol)
		} else {
			t.cells = <-t.free
		}
	}
	return nil
}

// cConnection returns the C connection handle of a duckdb-go connection.
// duckdb-go keeps it unexported; the field is checked by name and type so
// that another version of duckdb-go falls back to its Appender instead of
// misreading memory.
func cConnection(dc driver.Conn) (mapping.Connection, bool) {
	c, ok := dc.(*duckdb.Conn)
	if !ok || c == nil {
		return mapping.Connection{}, false
	}
	f, ok := reflect.TypeFor[duckdb.Conn]().FieldByName("conn")
	if !ok || f.Type != reflect.TypeFor[mapping.Connection]() {
		return mapping.Connection{}, false
	}
	conn := *(*mapping.Connection)(unsafe.Add(unsafe.Pointer(c), f.Offset))
	return conn, conn.Ptr != nil
}

func (l *loader) openTable(id tableID) (*tbuf, error) {
	name := id.String()
	catalog := ""
	schema := ""
	if id >= tLoadNames {
		catalog, schema = "temp", "main"
	}
	if err := l.sync(); err != nil {
		return nil, err
	}
	t := &tbuf{id: id, l: l, free: make(chan []cell, buffersPerTable), nbuf: 1}
	conn, ok := l.cconn, l.direct
	if !ok {
		var a *duckdb.Appender
		var err error
		if catalog != "" {
			a, err = duckdb.NewAppender(l.dc, catalog, schema, name)
		} else {
			a, err = duckdb.NewAppenderFromConn(l.dc, "", name)
		}
		if err != nil {
			return nil, fmt.Errorf("appender for %s: %w", name, err)
		}
		t.dapp = a
		n, err := l.columnCount(name)
		if err != nil {
			_ = a.Close()
			return nil, err
		}
		t.ncol = n
		t.vals = make([]driver.Value, n)
		t.cells = make([]cell, 0, 64*n) // grows to a chunk for tables that fill one
		return t, nil
	}
	if mapping.AppenderCreateExt(conn, catalog, schema, name, &t.app) == mapping.StateError {
		err := mapping.AppenderError(t.app)
		mapping.AppenderDestroy(&t.app)
		return nil, fmt.Errorf("appender for %s: %s", name, err)
	}
	n := int(mapping.AppenderColumnCount(t.app))
	t.ncol = n
	for i := range n {
		lt := mapping.AppenderColumnType(t.app, mapping.IdxT(i))
		t.types = append(t.types, lt)
		ci := colInfo{typ: mapping.GetTypeId(lt)}
		switch ci.typ {
		case mapping.TypeBigInt, mapping.TypeInteger, mapping.TypeDouble, mapping.TypeBoolean, mapping.TypeVarchar:
		case mapping.TypeEnum:
			switch mapping.EnumInternalType(lt) {
			case mapping.TypeUTinyInt:
				ci.ew = 1
			case mapping.TypeUSmallInt:
				ci.ew = 2
			default:
				ci.ew = 4
			}
			ci.enum = map[string]uint32{}
			for j := range mapping.EnumDictionarySize(lt) {
				ci.enum[mapping.EnumDictionaryValue(lt, mapping.IdxT(j))] = j
			}
		default:
			t.close(false)
			return nil, fmt.Errorf("appender for %s: column %d has a type the loader does not write (%d)", name, i+1, ci.typ)
		}
		t.cols = append(t.cols, ci)
	}
	t.chunk = mapping.CreateDataChunk(t.types)
	t.cells = make([]cell, 0, 64*n) // grows to a chunk for tables that fill one
	return t, nil
}

// columnCount is the number of columns of a table (Appender mode).
func (l *loader) columnCount(name string) (int, error) {
	var n int64
	q := "SELECT count(*) FROM duckdb_columns() WHERE table_name = '" + name + "'"
	if err := l.queryRow(q, &n); err != nil {
		return 0, err
	}
	return int(n), nil
}

// write hands the buffered rows to DuckDB from the loader's goroutine (the
// writer idle).
func (t *tbuf) write() error {
	if t.err != nil || t.rows == 0 {
		return t.err
	}
	t.err = t.writeCells(t.cells, t.rows)
	clear(t.cells) // drop references to the event texts
	t.cells = t.cells[:0]
	t.rows = 0
	return t.err
}

// writeCells writes rows to DuckDB.
func (t *tbuf) writeCells(cells []cell, rows int) error {
	var err error
	if t.dapp != nil {
		err = t.writeRows(cells, rows)
	} else {
		err = t.writeChunk(cells, rows)
	}
	if err != nil {
		return fmt.Errorf("append to %s: %w", t.id, err)
	}
	return nil
}

func (t *tbuf) writeRows(cells []cell, rows int) error {
	for r := range rows {
		for c, v := range cells[r*t.ncol : (r+1)*t.ncol] {
			switch v.k {
			case kNull:
				t.vals[c] = nil
			case kInt:
				t.vals[c] = v.i
			case kFloat:
				t.vals[c] = math.Float64frombits(uint64(v.i))
			case kBool:
				t.vals[c] = v.i != 0
			case kStr:
				t.vals[c] = v.s
			}
		}
		if err := t.dapp.AppendRow(t.vals...); err != nil {
			return err
		}
	}
	return nil
}

// isASCII reports whether b holds only bytes below 0x80.
func isASCII(b []byte) bool {
	var acc uint64
	for len(b) >= 32 {
		acc |= binary.LittleEndian.Uint64(b) | binary.LittleEndian.Uint64(b[8:]) |
			binary.LittleEndian.Uint64(b[16:]) | binary.LittleEndian.Uint64(b[24:])
		b = b[32:]
	}
	for len(b) >= 8 {
		acc |= binary.LittleEndian.Uint64(b)
		b = b[8:]
	}
	for _, c := range b {
		acc |= uint64(c)
	}
	return acc&0x8080808080808080 == 0
}

// stringT is DuckDB's string_t: a length, then either the string inline (up
// to 12 bytes, zero padded) or a 4-byte prefix and a pointer.
type stringT struct {
	n      uint32
	prefix [4]byte
	ptr    uintptr
}

func (t *tbuf) writeChunk(cells []cell, n int) error {
	// Long strings go to one arena, pinned while DuckDB copies them.
	need := 0
	for i := range cells {
		if c := &cells[i]; c.k == kStr && len(c.s) > 12 {
			need += len(c.s)
		}
	}
	if cap(t.arena) < need {
		t.arena = make([]byte, 0, need+need/4)
	}
	t.arena = t.arena[:0]
	if need > 0 {
		t.pin.Pin(unsafe.SliceData(t.arena))
	}
	defer t.pin.Unpin()
	for c, ci := range t.cols {
		vec := mapping.DataChunkGetVector(t.chunk, mapping.IdxT(c))
		data := mapping.VectorGetData(vec)
		var mask []uint64
		setNull := func(r int) {
			if mask == nil {
				mapping.VectorEnsureValidityWritable(vec)
				mask = unsafe.Slice((*uint64)(mapping.VectorGetValidity(vec)), chunkRows/64)
			}
			mask[r/64] &^= 1 << (r % 64)
		}
		// Invalid UTF-8 in a VARCHAR becomes NULL, as
		// duckdb_vector_assign_string_element_len does. A string of 12
		// bytes or fewer is checked where it is stored; the longer ones
		// one by one only if the arena part they were copied to is not
		// all ASCII.
		arenaStart := len(t.arena)
		for r := range n {
			v := &cells[r*t.ncol+c]
			if v.k == kNull {
				setNull(r)
				continue
			}
			ok := true
			switch ci.typ {
			case mapping.TypeBigInt:
				ok = v.k == kInt
				*(*int64)(unsafe.Add(data, r*8)) = v.i
			case mapping.TypeInteger:
				ok = v.k == kInt && v.i == int64(int32(v.i))
				*(*int32)(unsafe.Add(data, r*4)) = int32(v.i)
			case mapping.TypeDouble:
				ok = v.k == kFloat
				*(*uint64)(unsafe.Add(data, r*8)) = uint64(v.i)
			case mapping.TypeBoolean:
				ok = v.k == kBool
				*(*uint8)(unsafe.Add(data, r)) = uint8(v.i)
			case mapping.TypeVarchar:
				ok = v.k == kStr
				st := (*stringT)(unsafe.Add(data, r*16))
				*st = stringT{n: uint32(len(v.s))}
				if len(v.s) <= 12 {
					inline := unsafe.Slice((*byte)(unsafe.Pointer(&st.prefix)), 12)
					copy(inline, v.s)
					if (binary.LittleEndian.Uint64(inline)|uint64(binary.LittleEndian.Uint32(inline[8:])))&0x8080808080808080 != 0 && !utf8.ValidString(v.s) {
						setNull(r)
					}
				} else {
					copy(st.prefix[:], v.s)
					off := len(t.arena)
					t.arena = append(t.arena, v.s...)
					st.ptr = uintptr(unsafe.Pointer(&t.arena[off]))
				}
			case mapping.TypeEnum:
				var idx uint32
				idx, ok = ci.enum[v.s]
				ok = ok && v.k == kStr
				switch ci.ew {
				case 1:
					*(*uint8)(unsafe.Add(data, r)) = uint8(idx)
				case 2:
					*(*uint16)(unsafe.Add(data, r*2)) = uint16(idx)
				default:
					*(*uint32)(unsafe.Add(data, r*4)) = idx
				}
			}
			if !ok {
				mapping.DataChunkReset(t.chunk)
				return fmt.Errorf("row %d column %d: cannot store %v (%v)", r+1, c+1, v, ci.typ)
			}
		}
		if ci.typ == mapping.TypeVarchar && !isASCII(t.arena[arenaStart:]) {
			for r := range n {
				if v := &cells[r*t.ncol+c]; v.k == kStr && len(v.s) > 12 && !utf8.ValidString(v.s) {
					setNull(r)
				}
			}
		}
	}
	mapping.DataChunkSetSize(t.chunk, mapping.IdxT(n))
	state := mapping.AppendDataChunk(t.app, t.chunk)
	mapping.DataChunkReset(t.chunk)
	if state == mapping.StateError {
		return fmt.Errorf("%s", mapping.AppenderError(t.app))
	}
	// Hand the rows to the table every flushChunks chunks rather than
	// DuckDB's 100: the work of storing them (and of compressing the row
	// groups they fill) is then done while events keep coming, not at commit.
	if t.chunks++; t.chunks == flushChunks {
		t.chunks = 0
		if mapping.AppenderFlush(t.app) == mapping.StateError {
			return fmt.Errorf("%s", mapping.AppenderError(t.app))
		}
	}
	return nil
}

// flushChunks is how many chunks a table's appender holds before they are
// flushed to the table.
const flushChunks = 16

// flush writes the buffered rows and makes them visible to SQL statements.
func (t *tbuf) flush() error {
	if err := t.l.sync(); err != nil {
		return err
	}
	if err := t.write(); err != nil {
		return err
	}
	if t.dapp != nil {
		if err := t.dapp.Flush(); err != nil {
			return fmt.Errorf("append to %s: %w", t.id, err)
		}
		return nil
	}
	if mapping.AppenderFlush(t.app) == mapping.StateError {
		return fmt.Errorf("append to %s: %s", t.id, mapping.AppenderError(t.app))
	}
	return nil
}

// close writes what is left (when keep) and releases the appender.
func (t *tbuf) close(keep bool) error {
	var err error
	if keep {
		err = t.flush()
	}
	if t.dapp != nil {
		if keep {
			if cerr := t.dapp.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("append to %s: %w", t.id, cerr)
			}
		}
		if !keep {
			_ = t.dapp.Clear()
			_ = t.dapp.Close()
		}
		return err
	}
	if !keep {
		mapping.AppenderClear(t.app)
	}
	if mapping.AppenderClose(t.app) == mapping.StateError && err == nil && keep {
		err = fmt.Errorf("append to %s: %s", t.id, mapping.AppenderError(t.app))
	}
	mapping.AppenderDestroy(&t.app)
	if t.chunk.Ptr != nil {
		mapping.DestroyDataChunk(&t.chunk)
	}
	for i := range t.types {
		mapping.DestroyLogicalType(&t.types[i])
	}
	t.types = nil
	return err
}
