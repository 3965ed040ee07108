package ingest

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// TestDaysFromCivil checks daysFromCivil against time.Date on every day of
// years 0–9999 and on days past the end of each month (which count on).
func TestDaysFromCivil(t *testing.T) {
	for y := 0; y <= 9999; y++ {
		for m := 1; m <= 12; m++ {
			for _, d := range []int{1, 15, 28, 29, 30, 31} {
				want := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Unix() / 86400
				if u := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Unix(); u < 0 && u%86400 != 0 {
					want-- // floor for dates before 1970
				}
				if got := daysFromCivil(y, m, d); got != want {
					t.Fatalf("daysFromCivil(%d, %d, %d) = %d, want %d", y, m, d, got, want)
				}
			}
		}
	}
}

// TestFraction checks fraction against strconv.ParseFloat bit for bit.
func TestFraction(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 200000 {
		n := 1 + r.IntN(20)
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + r.IntN(10))
			if r.IntN(8) == 0 {
				b[i] = '9'
			}
		}
		want, _ := strconv.ParseFloat("0."+string(b), 64)
		if got := fraction(string(b)); got != want {
			t.Fatalf("fraction(%q) = %v, want %v", b, got, want)
		}
	}
}

// TestParseISOTimeReference checks ParseISOTime against time.Parse and
// strconv.ParseFloat on random stamps with fractions and offsets.
func TestParseISOTimeReference(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 100000 {
		y, mo, d := 1970+r.IntN(100), 1+r.IntN(12), 1+r.IntN(28)
		h, mi, s := r.IntN(24), r.IntN(60), r.IntN(60)
		frac := ""
		if r.IntN(4) > 0 {
			frac = fmt.Sprintf(".%09d", r.IntN(1000000000))[:2+r.IntN(9)]
		}
		zone := "Z"
		if r.IntN(2) == 0 {
			zone = fmt.Sprintf("%+03d:%02d", r.IntN(25)-12, 15*r.IntN(4))
		}
		in := fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02d%s%s", y, mo, d, h, mi, s, frac, zone)
		tm, err := time.Parse("2006-01-02T15:04:05Z07:00", fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02d%s", y, mo, d, h, mi, s, zone))
		if err != nil {
			t.Fatal(err)
		}
		want := float64(tm.Unix())
		if frac != "" {
			f, _ := strconv.ParseFloat("0"+frac, 64)
			want += f
		}
		if got, ok := ParseISOTime(in); !ok || got != want {
			t.Fatalf("ParseISOTime(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
}

func BenchmarkParseISOTime(b *testing.B) {
	for b.Loop() {
		if _, ok := ParseISOTime("1970-02-07T04:23:06.831945Z"); !ok {
			b.Fatal("not parsed")
		}
	}
}

// TestClockStampCache checks that the stamp stampAt remembers gives what
// parsing again gives, on lines of random stamps (with and without years,
// repeated, one or two per line) read in order by one Clock.
func TestClockStampCache(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	cached, fresh := &Clock{Loc: la, Year: 2023}, &Clock{Loc: la, Year: 2023}
	stamp := func() string {
		mo, d, h, mi, s := 1+r.IntN(12), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60)
		switch r.IntN(4) {
		case 0:
			return fmt.Sprintf("%d/%d %02d:%02d:%02d", mo, d, h, mi, s) // no year
		case 1:
			return fmt.Sprintf("%02d/%02d/%02d %d:%02d:%02d", mo, d, r.IntN(30), h, mi, s)
		}
		return fmt.Sprintf("%02d/%02d/%02d %02d:%02d:%02d", mo, d, 20+r.IntN(5), h, mi, s)
	}
	prev := stamp()
	for range 200000 {
		st := prev
		if r.IntN(3) == 0 {
			st = stamp()
		}
		prev = st
		line := st + " Event: ULOG_EXECUTE for HTCondor Node n (1.0.0)"
		if r.IntN(2) == 0 {
			line += " {" + stamp() + "}"
		}
		fresh.lastOK = false
		got, gm, gok := cached.Stamp([]byte(line))
		want, wm, wok := fresh.Stamp([]byte(line))
		if got != want || gm != wm || gok != wok {
			t.Fatalf("Stamp(%q) = %v, %d, %v; parsed again: %v, %d, %v", line, got, gm, gok, want, wm, wok)
		}
	}
}
