package stampede

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"sync"
	"unsafe"

	"github.com/duckdb/duckdb-go/v2/mapping"
)

// colType is the type of a column of a scan, as its query casts it.
type colType uint8

const (
	colInt64   colType = iota // BIGINT
	colInt32                  // INTEGER
	colFloat64                // DOUBLE
	colString                 // VARCHAR
	colBool                   // BOOLEAN
)

var colDuckTypes = [...]mapping.Type{
	colInt64: mapping.TypeBigInt, colInt32: mapping.TypeInteger, colFloat64: mapping.TypeDouble,
	colString: mapping.TypeVarchar, colBool: mapping.TypeBoolean,
}

// scanRow is the current row of a scan. Its strings are only valid during
// the call that receives it.
type scanRow struct {
	vals []driver.Value // through the driver
	cols []rawCol       // straight from DuckDB's vectors
	r    int            // the row in the vectors
}

// rawCol is one vector of a data chunk.
type rawCol struct {
	data  unsafe.Pointer
	valid unsafe.Pointer // nil: no NULL in the vector
}

func (s *scanRow) isNull(i int) bool {
	c := &s.cols[i]
	if c.valid == nil {
		return false
	}
	w := *(*uint64)(unsafe.Add(c.valid, s.r/64*8))
	return w&(1<<(s.r%64)) == 0
}

// scanValue returns column i of the row, whose type is T, and whether it
// is not NULL.
func scanValue[T int64 | int32 | float64 | bool](s *scanRow, i int) (T, bool) {
	var zero T
	if s.cols == nil {
		v, ok := s.vals[i].(T)
		return v, ok
	}
	if s.isNull(i) {
		return zero, false
	}
	return *(*T)(unsafe.Add(s.cols[i].data, s.r*int(unsafe.Sizeof(zero)))), true
}

// i64 returns column i, a BIGINT, and whether it is not NULL.
func (s *scanRow) i64(i int) (int64, bool) { return scanValue[int64](s, i) }

// i32 returns column i, an INTEGER, and whether it is not NULL.
func (s *scanRow) i32(i int) (int32, bool) { return scanValue[int32](s, i) }

// f64 returns column i, a DOUBLE, and whether it is not NULL.
func (s *scanRow) f64(i int) (float64, bool) { return scanValue[float64](s, i) }

// boolean returns column i, a BOOLEAN (one byte, 0 or 1, in DuckDB's
// vectors), and whether it is not NULL.
func (s *scanRow) boolean(i int) (bool, bool) { return scanValue[bool](s, i) }

// str returns column i, a VARCHAR, and whether it is not NULL. The string
// points into DuckDB's vector: it must be copied to be kept.
func (s *scanRow) str(i int) (string, bool) {
	if s.cols == nil {
		v, ok := s.vals[i].(string)
		return v, ok
	}
	if s.isNull(i) {
		return "", false
	}
	st := (*stringT)(unsafe.Add(s.cols[i].data, s.r*16))
	if st.n <= 12 {
		return unsafe.String((*byte)(unsafe.Pointer(&st.prefix)), int(st.n)), true
	}
	// The pointer is to DuckDB's memory, alive during the call.
	return unsafe.String((*byte)(*(*unsafe.Pointer)(unsafe.Pointer(&st.ptr))), int(st.n)), true
}

// scan runs stmt, whose columns have the types types, on its own
// connection and calls row with each row. The rows are read straight from
// DuckDB's vectors when duckdb-go's connection handle is reachable (no
// conversion to Go values: on millions of rows that conversion costs more
// than the query), else through the driver.
func (q *Scoped) scan(ctx context.Context, stmt string, types []colType, row func(r *scanRow) error) error {
	conn, err := q.db.SQL.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c, ok := dc.(driver.Conn)
		if !ok {
			return errors.New("unexpected DuckDB driver connection")
		}
		if cc, ok := cConnection(c); ok && !q.driverScans {
			return scanChunks(ctx, cc, stmt, types, row)
		}
		return scanDriver(ctx, c, stmt, types, row)
	})
}

// scanChunks runs stmt with DuckDB's C API and hands row each row of each
// result chunk. A cancelled context interrupts the query.
func scanChunks(ctx context.Context, conn mapping.Connection, stmt string, types []colType, row func(r *scanRow) error) error {
	// The query is interrupted when ctx is done, but never once this
	// function has returned: the connection then runs other queries.
	var mu sync.Mutex
	finished := false
	done := make(chan struct{})
	defer func() {
		mu.Lock()
		finished = true
		mu.Unlock()
		close(done)
	}()
	go func() {
		select {
		case <-ctx.Done():
			mu.Lock()
			if !finished {
				mapping.Interrupt(conn)
			}
			mu.Unlock()
		case <-done:
		}
	}()
	var res mapping.Result
	state := mapping.Query(conn, stmt, &res)
	defer mapping.DestroyResult(&res)
	if state == mapping.StateError {
		if err := ctx.Err(); err != nil {
			return err
		}
		return errors.New(mapping.ResultError(&res))
	}
	if got := int(mapping.ColumnCount(&res)); got != len(types) {
		return fmt.Errorf("%d columns, want %d", got, len(types))
	}
	for i, t := range types {
		if got := mapping.ColumnType(&res, mapping.IdxT(i)); got != colDuckTypes[t] {
			return fmt.Errorf("column %d has type %d, want %d", i+1, got, colDuckTypes[t])
		}
	}
	s := scanRow{cols: make([]rawCol, len(types))}
	for {
		chunk := mapping.FetchChunk(res)
		if chunk.Ptr == nil {
			return ctx.Err()
		}
		n := int(mapping.DataChunkGetSize(chunk))
		for i := range types {
			vec := mapping.DataChunkGetVector(chunk, mapping.IdxT(i))
			s.cols[i] = rawCol{data: mapping.VectorGetData(vec), valid: mapping.VectorGetValidity(vec)}
		}
		var err error
		for s.r = 0; s.r < n && err == nil; s.r++ {
			err = row(&s)
		}
		mapping.DestroyDataChunk(&chunk)
		if err == nil {
			err = ctx.Err()
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
	}
}

// scanDriver runs stmt through the driver, reading its values directly
// (no database/sql conversion).
func scanDriver(ctx context.Context, c driver.Conn, stmt string, types []colType, row func(r *scanRow) error) error {
	qc, ok := c.(driver.QueryerContext)
	if !ok {
		return errors.New("the DuckDB driver cannot run queries directly")
	}
	rows, err := qc.QueryContext(ctx, stmt, nil)
	if err != nil {
		return err
	}
	defer rows.Close()
	if got := len(rows.Columns()); got != len(types) {
		return fmt.Errorf("%d columns, want %d", got, len(types))
	}
	s := scanRow{vals: make([]driver.Value, len(types))}
	for n := 1; ; n++ {
		if n%8192 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := rows.Next(s.vals); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		if err := row(&s); err != nil {
			return err
		}
	}
}
