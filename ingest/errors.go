package ingest

import (
	"errors"
	"fmt"
)

// Sentinel causes carried by ParseError.
var (
	ErrTruncated = errors.New("record truncated")
	ErrSyntax    = errors.New("syntax error")
	ErrMissing   = errors.New("required file missing")
)

// ParseError is a malformed-input error with its position: "file:line: what".
type ParseError struct {
	File string
	Line int // 1-based; 0 when the error concerns the whole file
	Err  error
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }
