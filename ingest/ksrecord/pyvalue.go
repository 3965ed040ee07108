package ksrecord

import (
	"math"
	"math/big"
	"strconv"

	"github.com/pegasus-go/pegasus/internal/decimal"
)

// Pegasus loads YAML records with PyYAML's safe loader, its timestamp resolver
// removed, and stores many values in the database as Python's str() of what it
// loaded. To give the same strings, a plain (unquoted) scalar is resolved the
// way PyYAML's YAML 1.1 implicit resolvers do, then printed as Python would:
//
//	null, Null, NULL, ~, (empty)     -> None    -> "None"
//	yes/no/true/false/on/off (3 cases) -> bool  -> "True" / "False"
//	int: 0b1010, 0777 (octal), 0x1F, 1_000, 190:20:30 (base 60)
//	                                  -> int     -> decimal digits ("010" -> "8")
//	float: 1.5, 0.00, 1., .5, 1.0e+3, 1:30.5, .inf, .nan (exponent needs a dot
//	       and a sign: 1e3 and 1.0e3 are strings, as in PyYAML)
//	                                  -> float   -> Python repr ("0.00" -> "0.0",
//	                                     "1.0e+3" -> "1000.0", 1e-05, 1e+16)
//	anything else, timestamps included -> str    -> the text itself
//
// Quoted and block scalars are always strings. Numbers for Record fields are
// read from the resolved value, or parsed from a string as Python's float() would.

// Python types a plain scalar resolves to.
const (
	pyString = iota
	pyNone
	pyBool
	pyInt
	pyFloat
)

// resolvePlain returns the Python type PyYAML gives a plain scalar.
func resolvePlain(b []byte) int {
	if len(b) == 0 {
		return pyNone
	}
	switch b[0] {
	case '~', 'n', 'N':
		switch string(b) {
		case "~", "null", "Null", "NULL":
			return pyNone
		case "no", "No", "NO":
			return pyBool
		}
		return pyString
	case 'y', 'Y', 't', 'T', 'f', 'F', 'o', 'O':
		switch string(b) {
		case "yes", "Yes", "YES", "true", "True", "TRUE", "false", "False", "FALSE",
			"on", "On", "ON", "off", "Off", "OFF":
			return pyBool
		}
		return pyString
	case '-', '+', '.', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		if matchInt(b) {
			return pyInt
		}
		if matchFloat(b) {
			return pyFloat
		}
	}
	return pyString
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// allIn reports whether b is non-empty and every byte satisfies ok.
func allIn(b []byte, ok func(byte) bool) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !ok(c) {
			return false
		}
	}
	return true
}

func isBin(c byte) bool     { return c == '0' || c == '1' || c == '_' }
func isOct(c byte) bool     { return (c >= '0' && c <= '7') || c == '_' }
func isDecU(c byte) bool    { return isDigit(c) || c == '_' }
func isHexU(c byte) bool    { return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f') || c == '_' }
func hasSign(b []byte) bool { return len(b) > 0 && (b[0] == '-' || b[0] == '+') }

// matchInt implements PyYAML's int resolver:
// [-+]?0b[0-1_]+ | [-+]?0[0-7_]+ | [-+]?(0|[1-9][0-9_]*) | [-+]?0x[0-9a-fA-F_]+
// | [-+]?[1-9][0-9_]*(:[0-5]?[0-9])+
func matchInt(b []byte) bool {
	if hasSign(b) {
		b = b[1:]
	}
	if len(b) == 0 {
		return false
	}
	if b[0] == '0' {
		if len(b) == 1 {
			return true
		}
		if b[1] == 'b' {
			return allIn(b[2:], isBin)
		}
		if b[1] == 'x' {
			return allIn(b[2:], isHexU)
		}
		return allIn(b[1:], isOct)
	}
	if b[0] < '1' || b[0] > '9' {
		return false
	}
	i := 1
	for i < len(b) && isDecU(b[i]) {
		i++
	}
	if i == len(b) {
		return true
	}
	n, ok := matchSexaTail(b[i:])
	return ok && n == len(b)-i
}

// matchSexaTail matches (:[0-5]?[0-9])+ at the start of b and returns its length.
func matchSexaTail(b []byte) (int, bool) {
	i, groups := 0, 0
	for i < len(b) && b[i] == ':' {
		j := i + 1
		switch {
		case j+1 < len(b) && b[j] >= '0' && b[j] <= '5' && isDigit(b[j+1]):
			j += 2
		case j < len(b) && isDigit(b[j]):
			j++
		default:
			return i, groups > 0
		}
		i = j
		groups++
	}
	return i, groups > 0
}

// matchExp matches ([eE][-+][0-9]+)? and returns its length.
func matchExp(b []byte) int {
	if len(b) >= 3 && (b[0] == 'e' || b[0] == 'E') && (b[1] == '-' || b[1] == '+') && isDigit(b[2]) {
		i := 3
		for i < len(b) && isDigit(b[i]) {
			i++
		}
		return i
	}
	return 0
}

// matchFloat implements PyYAML's float resolver:
// [-+]?([0-9][0-9_]*)\.[0-9_]*([eE][-+][0-9]+)? | \.[0-9][0-9_]*([eE][-+][0-9]+)?
// | [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]* | [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN)
func matchFloat(b []byte) bool {
	switch string(b) {
	case ".nan", ".NaN", ".NAN":
		return true
	}
	if len(b) > 1 && b[0] == '.' && isDigit(b[1]) {
		i := 2
		for i < len(b) && isDecU(b[i]) {
			i++
		}
		return i+matchExp(b[i:]) == len(b)
	}
	if hasSign(b) {
		b = b[1:]
	}
	switch string(b) {
	case ".inf", ".Inf", ".INF":
		return true
	}
	if len(b) == 0 || !isDigit(b[0]) {
		return false
	}
	i := 1
	for i < len(b) && isDecU(b[i]) {
		i++
	}
	if i < len(b) && b[i] == ':' {
		n, ok := matchSexaTail(b[i:])
		if !ok {
			return false
		}
		i += n
		if i >= len(b) || b[i] != '.' {
			return false
		}
		i++
		for i < len(b) && isDecU(b[i]) {
			i++
		}
		return i == len(b)
	}
	if i >= len(b) || b[i] != '.' {
		return false
	}
	i++
	for i < len(b) && isDecU(b[i]) {
		i++
	}
	return i+matchExp(b[i:]) == len(b)
}

// stripUnderscore returns b without '_' (b itself when it has none).
func stripUnderscore(b []byte, scratch []byte) []byte {
	for _, c := range b {
		if c == '_' {
			out := scratch[:0]
			for _, c := range b {
				if c != '_' {
					out = append(out, c)
				}
			}
			return out
		}
	}
	return b
}

// maxIntDigits bounds the integers converted between bases: Python (3.11+)
// itself refuses to print integers of more than 4300 digits. A longer
// non-decimal integer is kept as written, which keeps the parser linear.
const maxIntDigits = 4300

// intParts splits a resolved int into its sign, base and digits (underscores
// removed, base prefix dropped).
func intParts(b []byte, scratch []byte) (neg bool, base int, digits []byte) {
	s := stripUnderscore(b, scratch)
	if hasSign(s) {
		neg = s[0] == '-'
		s = s[1:]
	}
	base = 10
	switch {
	case len(s) == 1 && s[0] == '0':
	case len(s) >= 2 && s[0] == '0' && s[1] == 'b':
		base, s = 2, s[2:]
	case len(s) >= 2 && s[0] == '0' && s[1] == 'x':
		base, s = 16, s[2:]
	case len(s) >= 1 && s[0] == '0':
		base = 8
	}
	for _, c := range s {
		if c == ':' {
			base = 60
			break
		}
	}
	return neg, base, s
}

// pyIntValue constructs a resolved int as PyYAML does. big is set (and the
// int64 meaningless) when the value does not fit an int64. ok is false when
// Python's int() would raise (e.g. "0x_"), or the value is too long to convert.
func pyIntValue(b []byte) (v int64, bigv *big.Int, ok bool) {
	neg, base, s := intParts(b, make([]byte, 0, 64))
	if len(s) == 0 || len(s) > maxIntDigits {
		return 0, nil, false
	}
	if base == 60 {
		return sexaInt(s, neg)
	}
	u, err := strconv.ParseUint(string(s), base, 64)
	if err == nil && u <= math.MaxInt64 {
		if neg {
			return -int64(u), nil, true
		}
		return int64(u), nil, true
	}
	bi, okb := new(big.Int).SetString(string(s), base)
	if !okb {
		return 0, nil, false
	}
	if neg {
		bi.Neg(bi)
	}
	if bi.IsInt64() {
		return bi.Int64(), nil, true
	}
	return 0, bi, true
}

// appendPyInt appends Python's str() of a resolved int.
func appendPyInt(dst, b []byte) ([]byte, bool) {
	var scratch [64]byte
	neg, base, s := intParts(b, scratch[:0])
	if len(s) == 0 {
		return dst, false // int("", base) raises
	}
	if base == 10 { // the resolver allows no leading zero but in "0"
		if neg && !(len(s) == 1 && s[0] == '0') {
			dst = append(dst, '-')
		}
		return append(dst, s...), true
	}
	if len(s) > maxIntDigits {
		return append(dst, b...), true
	}
	v, bi, ok := pyIntValue(b)
	if !ok {
		return dst, false
	}
	if bi != nil {
		return bi.Append(dst, 10), true
	}
	return strconv.AppendInt(dst, v, 10), true
}

// sexaInt evaluates a base-60 integer like 190:20:30 (at most maxIntDigits long).
func sexaInt(s []byte, neg bool) (int64, *big.Int, bool) {
	v := new(big.Int)
	sixty := big.NewInt(60)
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ':' {
			part, ok := new(big.Int).SetString(string(s[start:i]), 10)
			if !ok {
				return 0, nil, false
			}
			v.Mul(v, sixty).Add(v, part)
			start = i + 1
		}
	}
	if neg {
		v.Neg(v)
	}
	if v.IsInt64() {
		return v.Int64(), nil, true
	}
	return 0, v, true
}

// pyFloatValue constructs a resolved float as PyYAML does.
func pyFloatValue(b []byte) (float64, bool) {
	var scratch [64]byte
	s := stripUnderscore(b, scratch[:0])
	sign := 1.0
	if hasSign(s) {
		if s[0] == '-' {
			sign = -1
		}
		s = s[1:]
	}
	if len(s) == 4 && s[0] == '.' {
		switch s[1] | 0x20 {
		case 'i':
			return sign * math.Inf(1), true
		case 'n':
			return math.NaN(), true
		}
	}
	colon := false
	for _, c := range s {
		if c == ':' {
			colon = true
			break
		}
	}
	if !colon {
		f, err := strconv.ParseFloat(string(s), 64)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
				return 0, false
			}
		}
		return sign * f, true
	}
	if len(s) > maxIntDigits {
		return 0, false
	}
	// Base 60: digits are added from the right, each part a float.
	value, base := 0.0, 1.0
	end := len(s)
	for i := len(s) - 1; i >= -1; i-- {
		if i == -1 || s[i] == ':' {
			f, err := strconv.ParseFloat(string(s[i+1:end]), 64)
			if err != nil {
				return 0, false
			}
			value += f * base
			base *= 60
			end = i
		}
	}
	return sign * value, true
}

// appendPyFloat appends Python's repr() of f.
func appendPyFloat(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "nan"...)
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case f == 0:
		if math.Signbit(f) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', -1, 64) // [-]d[.ddd]e±dd
	if e[0] == '-' {
		dst = append(dst, '-')
		e = e[1:]
	}
	var digits [24]byte
	nd := 0
	i := 0
	for ; i < len(e) && e[i] != 'e'; i++ {
		if e[i] != '.' {
			digits[nd] = e[i]
			nd++
		}
	}
	exp, _ := strconv.Atoi(string(e[i+1:]))
	d := digits[:nd]
	decpt := exp + 1
	switch {
	case decpt > 16 || decpt < -3:
		dst = append(dst, d[0])
		if nd > 1 {
			dst = append(dst, '.')
			dst = append(dst, d[1:]...)
		}
		dst = append(dst, 'e')
		if exp < 0 {
			dst = append(dst, '-')
			exp = -exp
		} else {
			dst = append(dst, '+')
		}
		if exp < 10 {
			dst = append(dst, '0')
		}
		return strconv.AppendInt(dst, int64(exp), 10)
	case decpt <= 0:
		dst = append(dst, "0."...)
		for ; decpt < 0; decpt++ {
			dst = append(dst, '0')
		}
		return append(dst, d...)
	case decpt >= nd:
		dst = append(dst, d...)
		for ; decpt > nd; decpt-- {
			dst = append(dst, '0')
		}
		return append(dst, ".0"...)
	default:
		dst = append(dst, d[:decpt]...)
		dst = append(dst, '.')
		return append(dst, d[decpt:]...)
	}
}

// appendPyPlain appends Python's str() of the value PyYAML loads from a plain
// scalar. ok is false when PyYAML itself would fail to construct the value.
func appendPyPlain(dst, b []byte) ([]byte, bool) {
	switch resolvePlain(b) {
	case pyNone:
		return append(dst, "None"...), true
	case pyBool:
		if plainTrue(b) {
			return append(dst, "True"...), true
		}
		return append(dst, "False"...), true
	case pyInt:
		return appendPyInt(dst, b)
	case pyFloat:
		f, ok := pyFloatValue(b)
		if !ok {
			return dst, false
		}
		return appendPyFloat(dst, f), true
	}
	return append(dst, b...), true
}

// plainTrue reports whether a plain bool scalar is true.
func plainTrue(b []byte) bool {
	switch string(b) {
	case "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON":
		return true
	}
	return false
}

// plainNumber returns the numeric value of a plain scalar: a resolved int or
// float, or a string that Python's float() accepts.
func plainNumber(b []byte) (float64, bool) {
	if f, ok := simpleDecimal(b); ok {
		return f, true
	}
	switch resolvePlain(b) {
	case pyInt:
		var scratch [64]byte
		if neg, base, s := intParts(b, scratch[:0]); base == 10 && len(s) > 18 {
			f, _ := strconv.ParseFloat(string(s), 64)
			if neg {
				f = -f
			}
			return f, true
		}
		v, bi, ok := pyIntValue(b)
		if !ok {
			return 0, false
		}
		if bi != nil {
			f, _ := new(big.Float).SetInt(bi).Float64()
			return f, true
		}
		return float64(v), true
	case pyFloat:
		return pyFloatValue(b)
	case pyString:
		return parsePyFloatString(b)
	}
	return 0, false
}

// parsePyFloatString parses text as Python's float() would (surrounding
// whitespace, decimal or exponent forms, inf and nan).
func parsePyFloatString(b []byte) (float64, bool) {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	if len(b) == 0 {
		return 0, false
	}
	for _, c := range b {
		// Python's float() rejects hexadecimal and underscores are only
		// allowed between digits; keep to the plain decimal forms.
		if c == 'x' || c == 'X' || c == 'p' || c == 'P' || c == '_' {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return 0, false
		}
	}
	return f, true
}

// plainTruthy reports Python's truth value of a plain scalar.
func plainTruthy(b []byte) bool {
	switch resolvePlain(b) {
	case pyNone:
		return false
	case pyBool:
		return plainTrue(b)
	case pyInt, pyFloat:
		f, ok := plainNumber(b)
		return !ok || f != 0
	}
	return len(b) > 0
}

// simpleDecimal reads the common form of kickstart's numbers, digits, a
// point and digits ("46.716"), at most 15 digits in all: a float in YAML
// 1.1, whose value decimal.Exact gives as strconv.ParseFloat would. It
// reports false for any other form.
func simpleDecimal(b []byte) (float64, bool) {
	if len(b) < 3 || len(b) > 16 {
		return 0, false
	}
	m, point := uint64(0), -1
	for i, c := range b {
		switch {
		case c >= '0' && c <= '9':
			m = m*10 + uint64(c-'0')
		case c == '.' && point < 0:
			point = i
		default:
			return 0, false
		}
	}
	if point <= 0 || point == len(b)-1 {
		return 0, false
	}
	return decimal.Exact(m, len(b)-1-point)
}
