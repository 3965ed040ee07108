package ksrecord

// SetFastPath turns the fast path of the YAML reader on or off for p, for
// the tests that compare it with the general path.
func SetFastPath(p *Parser, on bool) { p.noFast = !on }

// FastRecords returns how many records of its last input p read with the
// fast path.
func FastRecords(p *Parser) int { return p.fastRecords }
