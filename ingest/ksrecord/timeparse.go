package ksrecord

import "time"

// parseISO8601 converts a kickstart timestamp to epoch seconds. It accepts the
// extended form YYYY-MM-DDTHH:MM:SS and the basic form YYYYMMDDTHHMMSS, an
// optional fraction (".123" or ",123"), and an optional zone: "Z", ±HH:MM,
// ±HHMM or ±HH. A time without a zone is taken as UTC (kickstart always
// writes one; a local-time reading would depend on the machine).
func parseISO8601(b []byte) (float64, bool) {
	i := 0
	num := func(n int) (int, bool) {
		if i+n > len(b) {
			return 0, false
		}
		v := 0
		for _, c := range b[i : i+n] {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		i += n
		return v, true
	}
	sep := func(c byte) {
		if i < len(b) && b[i] == c {
			i++
		}
	}
	year, ok := num(4)
	if !ok {
		return 0, false
	}
	sep('-')
	month, ok := num(2)
	if !ok {
		return 0, false
	}
	sep('-')
	day, ok := num(2)
	if !ok || i >= len(b) || (b[i] != 'T' && b[i] != 't' && b[i] != ' ') {
		return 0, false
	}
	i++
	hour, ok := num(2)
	if !ok {
		return 0, false
	}
	sep(':')
	minute, ok := num(2)
	if !ok {
		return 0, false
	}
	sep(':')
	sec, ok := num(2)
	if !ok {
		return 0, false
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, month) ||
		hour > 24 || minute > 59 || sec > 60 || (hour == 24 && (minute != 0 || sec != 0)) {
		return 0, false
	}
	frac := 0.0
	if i < len(b) && (b[i] == '.' || b[i] == ',') {
		i++
		scale := 0.1
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			frac += float64(b[i]-'0') * scale
			scale /= 10
			i++
		}
		if i == start {
			return 0, false
		}
	}
	offset := 0
	if i < len(b) {
		switch b[i] {
		case 'Z', 'z':
			i++
		case '+', '-':
			neg := b[i] == '-'
			i++
			oh, ok := num(2)
			if !ok {
				return 0, false
			}
			om := 0
			if i < len(b) {
				sep(':')
				if om, ok = num(2); !ok {
					return 0, false
				}
			}
			if oh > 23 || om > 59 {
				return 0, false
			}
			offset = oh*3600 + om*60
			if neg {
				offset = -offset
			}
		default:
			return 0, false
		}
	}
	if i != len(b) {
		return 0, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC).Unix()
	return float64(t-int64(offset)) + frac, true
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
