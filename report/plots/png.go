package plots

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"io"

	"github.com/klauspost/compress/zlib"
)

// encodePNG writes img as an 8-bit RGB PNG (the charts are opaque) with the
// Sub filter on every row, or Up (all zeros, nothing to compute) on a row
// equal to the one above, as most rows of a bar chart are. image/png picks
// a filter per row by trying all five, which costs more than drawing a
// chart; charts are flat colours and text, where these do about as well.
// klauspost's zlib compresses about twice as fast as the standard
// library's at the same level.
func encodePNG(w io.Writer, img *image.RGBA) error {
	b := img.Bounds()
	width, height := b.Dx(), b.Dy()
	bw := bufio.NewWriter(w)
	bw.WriteString("\x89PNG\r\n\x1a\n")
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(width))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(height))
	ihdr[8], ihdr[9] = 8, 2 // 8 bits per sample, truecolour
	writeChunk(bw, "IHDR", ihdr[:])

	var data bytes.Buffer
	data.Grow(width * height / 8)
	zw, err := zlib.NewWriterLevel(&data, zlib.BestSpeed)
	if err != nil {
		return err
	}
	row := make([]byte, 1+3*width)
	row[0] = 1 // Sub
	same := make([]byte, 1+3*width)
	same[0] = 2 // Up
	var above []byte
	for y := 0; y < height; y++ {
		src := img.Pix[(y+b.Min.Y-img.Rect.Min.Y)*img.Stride+(b.Min.X-img.Rect.Min.X)*4:]
		src = src[:4*width]
		if bytes.Equal(src, above) {
			if _, err := zw.Write(same); err != nil {
				return err
			}
			continue
		}
		above = src
		var pr, pg, pb byte
		for x := 0; x < width; x++ {
			r, g, bl := src[4*x], src[4*x+1], src[4*x+2]
			row[1+3*x], row[2+3*x], row[3+3*x] = r-pr, g-pg, bl-pb
			pr, pg, pb = r, g, bl
		}
		if _, err := zw.Write(row); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	writeChunk(bw, "IDAT", data.Bytes())
	writeChunk(bw, "IEND", nil)
	return bw.Flush()
}

func writeChunk(w *bufio.Writer, typ string, data []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(data)))
	w.Write(n[:])
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	w.WriteString(typ)
	w.Write(data)
	binary.BigEndian.PutUint32(n[:], crc.Sum32())
	w.Write(n[:])
}
