package plots

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"strconv"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// TestTicks checks that the axes get a handful of round, labelled values
// inside their range, and the row axes round row numbers.
func TestTicks(t *testing.T) {
	for _, r := range [][2]float64{{0, 28.77}, {0, 1}, {0, 1.03}, {0, 1e6 * 1.03}, {-0.6, 7.4}, {0, 96.5}, {0, 0.04}, {3, 3}, {1234.5, 1299}} {
		ts := numTicks{}.Ticks(r[0], r[1])
		var labelled []plot.Tick
		for _, tk := range ts {
			if tk.Value < r[0]-1e-9 || tk.Value > r[1]+1e-9 {
				t.Errorf("%v: tick %v outside the range", r, tk.Value)
			}
			if tk.Label != "" {
				labelled = append(labelled, tk)
			}
		}
		if len(labelled) < 4 && r[1]-r[0] > 0 || len(labelled) > 11 || len(labelled) == 0 {
			t.Errorf("%v: %d labelled ticks %v", r, len(labelled), labelled)
			continue
		}
		if len(labelled) < 2 {
			continue
		}
		step := labelled[1].Value - labelled[0].Value
		if m := step / math.Pow(10, math.Floor(math.Log10(step))); math.Abs(m-1) > 1e-6 && math.Abs(m-2) > 1e-6 && math.Abs(m-2.5) > 1e-6 && math.Abs(m-5) > 1e-6 {
			t.Errorf("%v: step %v is not round", r, step)
		}
		for i, tk := range labelled {
			if q := tk.Value / step; math.Abs(q-math.Round(q)) > 1e-6 {
				t.Errorf("%v: tick %v is not a multiple of the step %v", r, tk.Value, step)
			}
			if i > 0 && tk.Value <= labelled[i-1].Value {
				t.Errorf("%v: ticks not ascending: %v", r, labelled)
			}
			if len(tk.Label) > 5 {
				t.Errorf("%v: long label %q", r, tk.Label)
			}
		}
	}
	for _, n := range []int{1, 5, 7, 51, 696, 2000} {
		ts := rowTicks{n: n}.Ticks(-0.6, float64(n)-0.4)
		if ts[0].Label != "1" || ts[0].Value != float64(n-1) {
			t.Errorf("%d rows: first tick %+v, want row 1 at the top", n, ts[0])
		}
		seen := map[string]bool{}
		for _, tk := range ts {
			row, err := strconv.Atoi(tk.Label)
			if err != nil || row < 1 || row > n || tk.Value != float64(n-row) || seen[tk.Label] {
				t.Errorf("%d rows: bad tick %+v", n, tk)
			}
			seen[tk.Label] = true
		}
		if len(ts) > 12 || n >= 5 && len(ts) < 4 {
			t.Errorf("%d rows: %d ticks", n, len(ts))
		}
	}
}

// TestEncodePNG decodes what encodePNG wrote, for images with repeated
// rows (the Up filter), varied rows (Sub) and a sub-image whose bounds do
// not start at zero.
func TestEncodePNG(t *testing.T) {
	full := image.NewRGBA(image.Rect(0, 0, 97, 61))
	for y := 0; y < 61; y++ {
		for x := 0; x < 97; x++ {
			c := color.RGBA{255, 255, 255, 255}
			switch {
			case y%10 < 4: // repeated rows of bars
				c = color.RGBA{uint8(x / 10 * 25), 120, 200, 255}
			case y%10 == 7: // a row unlike its neighbours
				c = color.RGBA{uint8(x * 7), uint8(y * 3), uint8(x ^ y), 255}
			}
			full.SetRGBA(x, y, c)
		}
	}
	for _, img := range []*image.RGBA{full, full.SubImage(image.Rect(5, 3, 90, 58)).(*image.RGBA)} {
		var buf bytes.Buffer
		if err := encodePNG(&buf, img); err != nil {
			t.Fatal(err)
		}
		got, err := png.Decode(&buf)
		if err != nil {
			t.Fatal(err)
		}
		b := img.Bounds()
		if got.Bounds().Dx() != b.Dx() || got.Bounds().Dy() != b.Dy() {
			t.Fatalf("size %v, want %v", got.Bounds(), b)
		}
		for y := 0; y < b.Dy(); y++ {
			for x := 0; x < b.Dx(); x++ {
				r, g, bl, _ := got.At(x, y).RGBA()
				w := img.RGBAAt(b.Min.X+x, b.Min.Y+y)
				if uint8(r>>8) != w.R || uint8(g>>8) != w.G || uint8(bl>>8) != w.B {
					t.Fatalf("pixel (%d,%d) of %v: %v %v %v, want %v", x, y, b, r>>8, g>>8, bl>>8, w)
				}
			}
		}
	}
}

// TestFastText draws the same text through vgimg and through fastCanvas:
// the ink must cover the same box (within a pixel) and about the same
// amount.
func TestFastText(t *testing.T) {
	ink := func(fast bool) (image.Rectangle, float64) {
		cv := vgimg.NewWith(vgimg.UseWH(px(400), px(120)), vgimg.UseDPI(dpi), vgimg.UseBackgroundColor(color.White))
		var c draw.Canvas
		if fast {
			c = draw.New(newFastCanvas(cv, cv.Image().(*image.RGBA)))
		} else {
			c = draw.New(cv)
		}
		sty := textStyle(12, colText)
		c.FillText(sty, vg.Point{X: px(10), Y: px(50)}, "Workflow 1234 (try 2) — 17.5 s")
		sty.XAlign, sty.YAlign = draw.XRight, draw.YTop
		c.FillText(sty, vg.Point{X: px(390), Y: px(110)}, "Wg%,;")
		img := cv.Image().(*image.RGBA)
		var box image.Rectangle
		sum := 0.0
		for y := 0; y < 120; y++ {
			for x := 0; x < 400; x++ {
				v := 255 - float64(img.RGBAAt(x, y).R)
				if v > 40 {
					box = box.Union(image.Rect(x, y, x+1, y+1))
				}
				sum += v
			}
		}
		return box, sum
	}
	slowBox, slowInk := ink(false)
	fastBox, fastInk := ink(true)
	if slowBox.Empty() {
		t.Fatal("no text drawn")
	}
	d := func(a, b int) bool { return a-b > 1 || b-a > 1 }
	if d(slowBox.Min.X, fastBox.Min.X) || d(slowBox.Min.Y, fastBox.Min.Y) || d(slowBox.Max.X, fastBox.Max.X) || d(slowBox.Max.Y, fastBox.Max.Y) {
		t.Errorf("text at %v, vgimg draws it at %v", fastBox, slowBox)
	}
	if math.Abs(fastInk-slowInk) > 0.1*slowInk {
		t.Errorf("ink %.0f, vgimg %.0f", fastInk, slowInk)
	}
}
