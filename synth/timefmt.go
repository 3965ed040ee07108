package synth

import "time"

// clock formats instants in one time zone. It caches the zone offset per
// quarter hour (zone transitions fall on quarter hours), which makes
// formatting a few times faster than time.Format. A clock is not safe for
// concurrent use; each goroutine owns one.
type clock struct {
	loc       *time.Location
	bucket    int64
	off       int64
	abbr      string
	haveCache bool
}

func newClock(loc *time.Location) *clock { return &clock{loc: loc} }

// civil holds the local calendar fields of an instant.
type civil struct {
	year, month, day, hour, min, sec int
	off                              int64 // seconds east of UTC
}

func (c *clock) offset(sec int64) int64 {
	b := floorDiv(sec, 900)
	if !c.haveCache || b != c.bucket {
		name, off := time.Unix(sec, 0).In(c.loc).Zone()
		c.bucket, c.off, c.abbr, c.haveCache = b, int64(off), name, true
	}
	return c.off
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// fields converts epoch seconds to local calendar fields.
func (c *clock) fields(sec int64) civil {
	off := c.offset(sec)
	return civilOf(sec+off, off)
}

// civilOf converts "local epoch seconds" (epoch + offset) to fields
// (algorithm from Howard Hinnant's days_from_civil, inverted).
func civilOf(local, off int64) civil {
	days := floorDiv(local, 86400)
	rem := local - days*86400
	z := days + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return civil{year: int(y), month: int(m), day: int(d),
		hour: int(rem / 3600), min: int(rem % 3600 / 60), sec: int(rem % 60), off: off}
}

func app2(b []byte, v int) []byte { return append(b, byte('0'+v/10%10), byte('0'+v%10)) }

func app3(b []byte, v int) []byte {
	return append(b, byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
}

func app4(b []byte, v int) []byte { return app2(app2(b, v/100), v%100) }

// appendOffset appends ±hh:mm (colon) or ±hhmm.
func appendOffset(b []byte, off int64, colon bool) []byte {
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	b = append(b, sign)
	b = app2(b, int(off/3600))
	if colon {
		b = append(b, ':')
	}
	return app2(b, int(off%3600/60))
}

// appendDagman appends DAGMan's "MM/DD/YY HH:MM:SS".
func (c *clock) appendDagman(b []byte, sec int64) []byte {
	f := c.fields(sec)
	b = app2(b, f.month)
	b = append(b, '/')
	b = app2(b, f.day)
	b = append(b, '/')
	b = app2(b, f.year%100)
	b = append(b, ' ')
	return appendHMS(b, f)
}

func appendHMS(b []byte, f civil) []byte {
	b = app2(b, f.hour)
	b = append(b, ':')
	b = app2(b, f.min)
	b = append(b, ':')
	return app2(b, f.sec)
}

func appendDate(b []byte, f civil, sep byte) []byte {
	b = app4(b, f.year)
	if sep != 0 {
		b = append(b, sep)
	}
	b = app2(b, f.month)
	if sep != 0 {
		b = append(b, sep)
	}
	return app2(b, f.day)
}

// appendISO appends kickstart's "2023-03-03T23:11:00-08:00".
func (c *clock) appendISO(b []byte, sec int64) []byte {
	f := c.fields(sec)
	b = appendDate(b, f, '-')
	b = append(b, 'T')
	b = appendHMS(b, f)
	return appendOffset(b, f.off, true)
}

// appendISOms appends kickstart's "2023-03-03T23:11:00.546-08:00".
func (c *clock) appendISOms(b []byte, ms int64) []byte {
	sec := floorDiv(ms, 1000)
	f := c.fields(sec)
	b = appendDate(b, f, '-')
	b = append(b, 'T')
	b = appendHMS(b, f)
	b = append(b, '.')
	b = app3(b, int(ms-sec*1000))
	return appendOffset(b, f.off, true)
}

// appendSpaced appends PegasusLite's "2023-03-03 23:10:59".
func (c *clock) appendSpaced(b []byte, sec int64) []byte {
	f := c.fields(sec)
	b = appendDate(b, f, '-')
	b = append(b, ' ')
	return appendHMS(b, f)
}

// appendPyLog appends Python logging's "2023-03-04 01:01:31,389".
func (c *clock) appendPyLog(b []byte, ms int64) []byte {
	sec := floorDiv(ms, 1000)
	b = c.appendSpaced(b, sec)
	b = append(b, ',')
	return app3(b, int(ms-sec*1000))
}

// appendRCClient appends pegasus-rc-client's "2023.03.04 01:02:33.676 PST".
func (c *clock) appendRCClient(b []byte, ms int64) []byte {
	sec := floorDiv(ms, 1000)
	f := c.fields(sec)
	b = appendDate(b, f, '.')
	b = append(b, ' ')
	b = appendHMS(b, f)
	b = append(b, '.')
	b = app3(b, int(ms-sec*1000))
	b = append(b, ' ')
	return append(b, c.abbr...)
}

// appendCompact appends the planner's "20230303T230934-0800".
func (c *clock) appendCompact(b []byte, sec int64) []byte {
	f := c.fields(sec)
	b = appendDate(b, f, 0)
	b = append(b, 'T')
	b = app2(b, f.hour)
	b = app2(b, f.min)
	b = app2(b, f.sec)
	return appendOffset(b, f.off, false)
}

// appendNaiveUTCus appends pegasus-integrity's "2023-03-04T09:00:54.695439" (UTC, no zone).
func appendNaiveUTCus(b []byte, us int64) []byte {
	sec := floorDiv(us, 1000000)
	f := civilOf(sec, 0)
	b = appendDate(b, f, '-')
	b = append(b, 'T')
	b = appendHMS(b, f)
	b = append(b, '.')
	v := int(us - sec*1000000)
	b = app3(b, v/1000)
	return app3(b, v%1000)
}

// appendBPts appends a BP "ts" value "1970-02-07T01:36:56.592124Z".
func appendBPts(b []byte, us int64) []byte {
	b = appendNaiveUTCus(b, us)
	return append(b, 'Z')
}
