package plots

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	imgdraw "image/draw"
	"image/png"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// dpi is the resolution of the images: sizes are given in pixels.
const dpi = 96

// px converts pixels to a length.
func px(n float64) vg.Length { return vg.Length(n) * vg.Inch / dpi }

// Colours.
var (
	colDAGMan  = rgb(0xbdbdbd)
	colQueue   = rgb(0xfdb462)
	colRun     = rgb(0x80b1d3)
	colKick    = rgb(0x1f78b4)
	colPost    = rgb(0xb3de69)
	colFailed  = rgb(0xe31a1c)
	colFailRun = rgb(0xfb8072)
	colOK      = rgb(0x4daf4a)
	colGrid    = rgb(0xe5e5e5)
	colText    = rgb(0x222222)
	colMuted   = rgb(0x666666)
	colHeatMax = rgb(0x08519c)

	phaseColors = [4]color.Color{colDAGMan, colQueue, colRun, colPost}

	// palette is the transformation palette of Pegasus's charts, in
	// first-seen order; colOther is for the rest.
	palette = []color.Color{
		rgb(0x8dd3c7), rgb(0x4daf4a), rgb(0xbebada), rgb(0x80b1d3), rgb(0xb3de69),
		rgb(0xfccde5), rgb(0xbc80bd), rgb(0xccebc5), rgb(0xfb8072), rgb(0xffed6f),
	}
	colOther = rgb(0xd9d9d9)
)

func rgb(v uint32) color.Color {
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 255}
}

var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

func textStyle(size float64, c color.Color) text.Style {
	return text.Style{Color: c, Font: font.From(sans, vg.Points(size)), Handler: plot.DefaultTextHandler,
		XAlign: draw.XLeft, YAlign: draw.YBottom}
}

// newPlot returns a plot in the house style: sans-serif labels, no title
// (frame draws it), a light grid.
func newPlot(xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	// The image is white already: a vector fill of the whole plot area
	// costs as much as the rest of a chart.
	p.BackgroundColor = nil
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, vg.Points(12))
		a.Tick.Label.Font = font.From(sans, vg.Points(10))
		a.Tick.Marker = numTicks{}
	}
	// The Y axis is described by a caption above the plot: gonum draws a
	// rotated label through an image transform that costs more than the
	// rest of the chart.
	p.X.Label.Text = xlabel
	p.Title.Text = ylabel
	p.Title.TextStyle.Font = font.From(sans, vg.Points(11))
	p.Title.TextStyle.Color = colMuted
	p.Title.Padding = px(4)
	p.Legend.TextStyle.Font = font.From(sans, vg.Points(11))
	return p
}

// axisTicks is the number of labelled ticks aimed at on an axis: gonum's
// default (about three) leaves a 1280-pixel time axis hard to read.
const axisTicks = 7

// niceStep returns the smallest of 1, 2, 2.5 and 5 times a power of ten
// that is at least raw (raw > 0).
func niceStep(raw float64) float64 {
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*mag >= raw*(1-1e-9) {
			return m * mag
		}
	}
	return 10 * mag
}

// numTicks label about axisTicks round values of an axis, without
// trailing zeros, with an unlabelled tick half-way between them.
type numTicks struct{}

func (numTicks) Ticks(min, max float64) []plot.Tick {
	if !(max > min) {
		return []plot.Tick{{Value: min, Label: fmtNum(min)}}
	}
	step := niceStep((max - min) / axisTicks)
	eps := step * 1e-9
	var ts []plot.Tick
	for i := math.Ceil((min - eps) / step); i*step <= max+eps; i++ {
		v := i * step
		if i == 0 {
			v = 0 // not -0
		}
		ts = append(ts, plot.Tick{Value: v, Label: fmtNum(v)})
		if h := v + step/2; h <= max+eps {
			ts = append(ts, plot.Tick{Value: h})
		}
	}
	if len(ts) > 0 && ts[0].Value-step/2 >= min-eps {
		ts = append(ts, plot.Tick{Value: ts[0].Value - step/2})
	}
	return ts
}

// rowTicks label rows: labels[i] at y = i; without labels (too many rows)
// round row numbers counted from the top: row 1 is at y = n−1.
type rowTicks struct {
	labels []string
	n      int
}

func (r rowTicks) Ticks(min, max float64) []plot.Tick {
	if r.labels != nil {
		ts := make([]plot.Tick, len(r.labels))
		for i, l := range r.labels {
			ts[i] = plot.Tick{Value: float64(i), Label: l}
		}
		return ts
	}
	step := int(math.Max(1, niceStep(float64(r.n)/axisTicks)))
	out := []plot.Tick{{Value: float64(r.n - 1), Label: "1"}}
	for row := step; row <= r.n; row += step {
		if row == 1 {
			continue
		}
		out = append(out, plot.Tick{Value: float64(r.n - row), Label: strconv.Itoa(row)})
	}
	return out
}

// fmtNum prints an axis value shortly: 1500 → "1500", 25000 → "25k",
// 3.2e6 → "3.2M", 0.25 → "0.25".
func fmtNum(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e9:
		return trimF(v/1e9, 1) + "G"
	case a >= 1e6:
		return trimF(v/1e6, 1) + "M"
	case a >= 1e4:
		return trimF(v/1e3, 1) + "k"
	case a >= 100:
		return trimF(v, 0)
	case a >= 1:
		return trimF(v, 1)
	}
	return trimF(v, 2)
}

func trimF(v float64, prec int) string {
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// timeUnit is the unit of a time axis.
type timeUnit struct {
	name string // as printed on the axis: "s", "min", "h", "days"
	secs float64
}

// unitFor picks the unit of a span of seconds.
func unitFor(span float64) timeUnit {
	switch {
	case span <= 600:
		return timeUnit{"s", 1}
	case span <= 10*3600:
		return timeUnit{"min", 60}
	case span <= 4*86400:
		return timeUnit{"h", 3600}
	}
	return timeUnit{"days", 86400}
}

// fmtDuration prints seconds as "1 h 2 min", "3 min 4 s" or "12.3 s".
func fmtDuration(s float64) string {
	switch {
	case s < 60:
		return trimF(s, 1) + " s"
	case s < 3600:
		return fmt.Sprintf("%d min %d s", int(s)/60, int(s)%60)
	case s < 86400:
		return fmt.Sprintf("%d h %d min", int(s)/3600, int(s)%3600/60)
	}
	return fmt.Sprintf("%d d %d h", int(s)/86400, int(s)%86400/3600)
}

// rect is a filled box in data coordinates, optionally outlined.
type rect struct {
	x0, x1, y0, y1 float64
	fill, stroke   color.Color
}

// rects draws boxes; boxes narrower than a pixel are widened to one so
// that short tries stay visible.
type rects struct {
	rs                     []rect
	xmin, xmax, ymin, ymax float64
}

func (r *rects) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	if img, ok := rasterOf(c); ok {
		r.raster(c, img, trX, trY)
		return
	}
	one := px(1)
	for _, q := range r.rs {
		x0, x1, y0, y1 := trX(q.x0), trX(q.x1), trY(q.y0), trY(q.y1)
		if x1-x0 < one {
			x1 = x0 + one
		}
		if y1-y0 < one && q.y1 > q.y0 {
			y1 = y0 + one
		}
		var path vg.Path
		path.Move(vg.Point{X: x0, Y: y0})
		path.Line(vg.Point{X: x1, Y: y0})
		path.Line(vg.Point{X: x1, Y: y1})
		path.Line(vg.Point{X: x0, Y: y1})
		path.Close()
		if q.fill != nil {
			c.SetColor(q.fill)
			c.Fill(path)
		}
		if q.stroke != nil {
			c.SetLineWidth(px(1.5))
			c.SetColor(q.stroke)
			c.Stroke(path)
		}
	}
}

// rasterOf returns the RGBA image behind a vgimg canvas, whose pixels rects
// fills directly: thousands of boxes cost a few milliseconds instead of a
// vector fill each.
func rasterOf(c draw.Canvas) (*image.RGBA, bool) {
	inner := c.Canvas
	for {
		d, ok := inner.(draw.Canvas)
		if !ok {
			break
		}
		inner = d.Canvas
	}
	switch vc := inner.(type) {
	case *fastCanvas:
		return vc.img, true
	case *vgimg.Canvas:
		img, ok := vc.Image().(*image.RGBA)
		return img, ok
	}
	return nil, false
}

// raster fills and outlines the boxes on the pixels of img, clipped to
// the data area; boxes are at least one pixel wide.
func (r *rects) raster(c draw.Canvas, img *image.RGBA, trX, trY func(float64) vg.Length) {
	h := img.Bounds().Dy()
	toX := func(l vg.Length) float64 { return l.Dots(dpi) }
	toY := func(l vg.Length) float64 { return float64(h) - l.Dots(dpi) }
	clip := image.Rect(int(math.Floor(toX(c.Min.X))), int(math.Floor(toY(c.Max.Y))),
		int(math.Ceil(toX(c.Max.X))), int(math.Ceil(toY(c.Min.Y))))
	box := func(x0, x1, y0, y1 float64) image.Rectangle {
		ix0, ix1 := int(math.Round(x0)), int(math.Round(x1))
		if ix1 <= ix0 {
			ix1 = ix0 + 1
		}
		iy0, iy1 := int(math.Round(y1)), int(math.Round(y0)) // y grows downwards
		if iy1 <= iy0 {
			iy1 = iy0 + 1
		}
		return image.Rect(ix0, iy0, ix1, iy1).Intersect(clip)
	}
	fill := func(b image.Rectangle, col color.Color) {
		if !b.Empty() {
			imgdraw.Draw(img, b, image.NewUniform(col), image.Point{}, imgdraw.Over)
		}
	}
	for _, q := range r.rs {
		x0, x1, y0, y1 := toX(trX(q.x0)), toX(trX(q.x1)), toY(trY(q.y0)), toY(trY(q.y1))
		if q.y1 <= q.y0 {
			continue
		}
		b := box(x0, x1, y0, y1)
		if q.fill != nil {
			fill(b, q.fill)
		}
		if q.stroke != nil && !b.Empty() {
			w := 2
			if b.Dx() <= 2*w || b.Dy() <= 2*w {
				fill(b, q.stroke)
				continue
			}
			fill(image.Rect(b.Min.X, b.Min.Y, b.Max.X, b.Min.Y+w), q.stroke)
			fill(image.Rect(b.Min.X, b.Max.Y-w, b.Max.X, b.Max.Y), q.stroke)
			fill(image.Rect(b.Min.X, b.Min.Y, b.Min.X+w, b.Max.Y), q.stroke)
			fill(image.Rect(b.Max.X-w, b.Min.Y, b.Max.X, b.Max.Y), q.stroke)
		}
	}
}

func (r *rects) DataRange() (xmin, xmax, ymin, ymax float64) {
	return r.xmin, r.xmax, r.ymin, r.ymax
}

// labels writes text at data points (value labels at bar ends).
type labels struct {
	pts []struct {
		x, y float64
		s    string
	}
	sty text.Style
}

func (l *labels) add(x, y float64, s string) {
	l.pts = append(l.pts, struct {
		x, y float64
		s    string
	}{x, y, s})
}

func (l *labels) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for _, pt := range l.pts {
		c.FillText(l.sty, vg.Point{X: trX(pt.x) + px(4), Y: trY(pt.y)}, pt.s)
	}
}

// legendEntry is a colour swatch and its name.
type legendEntry struct {
	name         string
	fill, stroke color.Color
}

// frame draws a chart's title, an optional subtitle and a one-line legend
// at the top of c, and returns the canvas left for the plots.
func frame(c draw.Canvas, title, subtitle string, entries []legendEntry) draw.Canvas {
	top := c.Max.Y - px(10)
	left := c.Min.X + px(12)
	ts := textStyle(15, colText)
	ts.YAlign = draw.YTop
	c.FillText(ts, vg.Point{X: left, Y: top}, title)
	top -= ts.Height(title) + px(4)
	if subtitle != "" {
		ss := textStyle(11, colMuted)
		ss.YAlign = draw.YTop
		for _, line := range strings.Split(subtitle, "\n") {
			c.FillText(ss, vg.Point{X: left, Y: top}, line)
			top -= ss.Height(line) + px(2)
		}
	}
	if len(entries) > 0 {
		ls := textStyle(11, colText)
		ls.YAlign = draw.YCenter
		sw := px(14)
		top -= px(6)
		x := left
		for _, e := range entries {
			w := sw + px(5) + ls.Width(e.name) + px(18)
			if x+w > c.Max.X && x > left { // wrap
				x = left
				top -= px(20)
			}
			box := []vg.Point{{X: x, Y: top - sw/2}, {X: x + sw, Y: top - sw/2}, {X: x + sw, Y: top + sw/2}, {X: x, Y: top + sw/2}}
			if e.fill != nil {
				c.FillPolygon(e.fill, box)
			}
			if e.stroke != nil {
				c.StrokeLines(draw.LineStyle{Color: e.stroke, Width: px(2)}, append(box, box[0]))
			}
			c.FillText(ls, vg.Point{X: x + sw + px(5), Y: top}, e.name)
			x += w
		}
		top -= px(12)
	}
	return draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{Min: c.Min, Max: vg.Point{X: c.Max.X, Y: top - px(4)}}}
}

// render draws onto a white image of w×h pixels and encodes it as PNG.
// A panic while drawing (gonum panics on some degenerate ranges) is
// returned as an error.
func render(w, h int, fn func(c draw.Canvas)) (b []byte, wpx, hpx int, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("drawing failed: %v", r)
		}
	}()
	cv := vgimg.NewWith(vgimg.UseWH(px(float64(w)), px(float64(h))), vgimg.UseDPI(dpi), vgimg.UseBackgroundColor(color.White))
	if rgba, ok := cv.Image().(*image.RGBA); ok {
		fn(draw.New(newFastCanvas(cv, rgba)))
	} else {
		fn(draw.New(cv))
	}
	img := cv.Image()
	var buf bytes.Buffer
	if rgba, ok := img.(*image.RGBA); ok {
		err = encodePNG(&buf, rgba)
	} else {
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img)
	}
	if err != nil {
		return nil, 0, 0, err
	}
	return buf.Bytes(), img.Bounds().Dx(), img.Bounds().Dy(), nil
}

// pad widens a range by a fraction on the right (gonum ends the axis at
// the data).
func pad(max float64) float64 {
	if max <= 0 {
		return 1
	}
	return max * 1.03
}

// shorten cuts a label to n characters.
func shorten(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// grid returns a light grid plotter.
func lightGrid(vertical, horizontal bool) plot.Plotter {
	g := plotter.NewGrid()
	g.Vertical.Color, g.Horizontal.Color = colGrid, colGrid
	if !vertical {
		g.Vertical.Color = nil
	}
	if !horizontal {
		g.Horizontal.Color = nil
	}
	return g
}

// count prints n with the singular or plural noun: "1 host", "2 hosts".
func count[T int | int64](n T, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatInt(int64(n), 10) + " " + many
}
