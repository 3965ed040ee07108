package plots

import (
	"image"
	"image/color"
	imgdraw "image/draw"
	"math"

	xfont "golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgimg"
)

// fastCanvas is a vgimg canvas that draws unrotated text straight onto its
// pixels from glyph masks rasterized once per chart. vgimg draws every
// glyph through an affine image transform (its Y axis is flipped), which
// costs more than the rest of a chart; the result is the same text at the
// same place, the glyphs placed on quarter pixels horizontally and whole
// pixels vertically.
type fastCanvas struct {
	*vgimg.Canvas
	img *image.RGBA

	color       color.Color
	colors      []color.Color // saved by Push
	transformed int           // Rotate, Translate or Scale calls in effect
	saved       []int

	faces  map[font.Font]xfont.Face
	glyphs map[glyphKey]*glyph
}

// glyphKey is a glyph of a font at a quarter-pixel horizontal offset.
type glyphKey struct {
	font font.Font
	r    rune
	sub  fixed.Int26_6
}

// glyph is a rasterized glyph: its mask is drawn at the integer dot plus
// off.
type glyph struct {
	mask *image.Alpha // nil for glyphs without ink (spaces)
	off  image.Point
	adv  fixed.Int26_6
	ok   bool
}

// newFastCanvas wraps a vgimg canvas whose image is RGBA.
func newFastCanvas(c *vgimg.Canvas, img *image.RGBA) *fastCanvas {
	return &fastCanvas{Canvas: c, img: img, color: color.Black,
		faces: map[font.Font]xfont.Face{}, glyphs: map[glyphKey]*glyph{}}
}

func (c *fastCanvas) SetColor(clr color.Color) {
	if clr == nil {
		clr = color.Black
	}
	c.color = clr
	c.Canvas.SetColor(clr)
}

func (c *fastCanvas) Rotate(t float64) {
	c.transformed++
	c.Canvas.Rotate(t)
}

func (c *fastCanvas) Translate(pt vg.Point) {
	c.transformed++
	c.Canvas.Translate(pt)
}

func (c *fastCanvas) Scale(x, y float64) {
	c.transformed++
	c.Canvas.Scale(x, y)
}

func (c *fastCanvas) Push() {
	c.colors = append(c.colors, c.color)
	c.saved = append(c.saved, c.transformed)
	c.Canvas.Push()
}

func (c *fastCanvas) Pop() {
	if n := len(c.colors); n > 0 {
		c.color, c.colors = c.colors[n-1], c.colors[:n-1]
		c.transformed, c.saved = c.saved[n-1], c.saved[:n-1]
	}
	c.Canvas.Pop()
}

// FillString draws str with its baseline starting at pt, as vgimg does.
func (c *fastCanvas) FillString(f font.Face, pt vg.Point, str string) {
	if c.transformed > 0 || f.Face == nil {
		c.Canvas.FillString(f, pt, str)
		return
	}
	if f.Font.Size == 0 {
		return
	}
	face := c.faces[f.Font]
	if face == nil {
		face = f.FontFace(dpi)
		c.faces[f.Font] = face
	}
	_, h := c.Size()
	x := pt.X.Dots(dpi)
	y := h.Dots(dpi) - pt.Y.Dots(dpi)
	dot := fixed.Point26_6{X: fixed.Int26_6(x * 64), Y: fixed.Int26_6(y * 64)}
	iy := int(math.Round(y))
	src := image.NewUniform(c.color)
	prev := rune(-1)
	for _, r := range str {
		if prev >= 0 {
			dot.X += face.Kern(prev, r)
		}
		prev = r
		ix := dot.X.Floor()
		sub := (dot.X - fixed.I(ix)) &^ 15 // quarter pixels
		k := glyphKey{f.Font, r, sub}
		g := c.glyphs[k]
		if g == nil {
			g = rasterGlyph(face, r, sub)
			c.glyphs[k] = g
		}
		if !g.ok {
			continue
		}
		if g.mask != nil {
			b := g.mask.Bounds()
			dst := b.Add(g.off).Add(image.Pt(ix, iy))
			imgdraw.DrawMask(c.img, dst, src, image.Point{}, g.mask, b.Min, imgdraw.Over)
		}
		dot.X += g.adv
	}
}

// rasterGlyph rasterizes r with the dot at (sub, 0); the face reuses its
// mask, so it is copied.
func rasterGlyph(face xfont.Face, r rune, sub fixed.Int26_6) *glyph {
	dr, mask, maskp, adv, ok := face.Glyph(fixed.Point26_6{X: sub}, r)
	g := &glyph{adv: adv, ok: ok}
	if !ok || dr.Empty() {
		return g
	}
	m := image.NewAlpha(image.Rect(0, 0, dr.Dx(), dr.Dy()))
	imgdraw.Draw(m, m.Bounds(), mask, maskp, imgdraw.Src)
	g.mask, g.off = m, dr.Min
	return g
}
