// Package montage generates Montage-shaped abstract workflows of any size
// for benchmarks: per tile mProjectPP, pairwise mDiffFit between neighbours,
// mConcatFit, mBgModel, per tile mBackground, then mImgtbl, mAdd, mShrink
// and mJPEG, with the file flow of the real Montage workflow.
package montage

import (
	"fmt"

	"github.com/pegasus-go/pegasus/planner/daxapi"
)

// Generate returns a Montage-shaped workflow with about tasks tasks.
func Generate(tasks int) *daxapi.Workflow {
	// Per tile: 1 project + ~1 diff (neighbour) + 1 background = 3 tasks; 6 fixed.
	n := (tasks - 6) / 3
	if n < 2 {
		n = 2
	}
	w := daxapi.New("montage")
	w.File("region.hdr").AddPFN("file:///data/montage/region.hdr", "local")
	projects := make([]*daxapi.Job, n)
	for i := 0; i < n; i++ {
		raw := w.File(fmt.Sprintf("2mass-%06d.fits", i))
		raw.AddPFN(fmt.Sprintf("file:///data/montage/raw/2mass-%06d.fits", i), "local")
		proj := w.File(fmt.Sprintf("p2mass-%06d.fits", i))
		area := w.File(fmt.Sprintf("p2mass-%06d_area.fits", i))
		projects[i] = w.Job("montage", "mProjectPP", "3.3").AddArguments("-X -x 0.9", raw, proj, w.File("region.hdr")).
			Uses(raw, daxapi.Input).Uses(w.File("region.hdr"), daxapi.Input).
			UsesWith(proj, daxapi.Output, false, 1, false).UsesWith(area, daxapi.Output, false, 1, false)
	}
	var diffs []*daxapi.Job
	for i := 0; i+1 < n; i++ {
		a, b := fmt.Sprintf("p2mass-%06d", i), fmt.Sprintf("p2mass-%06d", i+1)
		fit := w.File(fmt.Sprintf("fit.%06d.%06d.txt", i, i+1))
		d := w.Job("montage", "mDiffFit", "3.3").AddArguments("-s", fit, w.File(a+".fits"), w.File(b+".fits"), w.File("region.hdr"))
		for _, f := range []string{a + ".fits", a + "_area.fits", b + ".fits", b + "_area.fits", "region.hdr"} {
			d.Uses(w.File(f), daxapi.Input)
		}
		d.UsesWith(fit, daxapi.Output, false, 1, false)
		d.Depends(projects[i], projects[i+1])
		diffs = append(diffs, d)
	}
	fits := w.File("fits.tbl")
	concat := w.Job("montage", "mConcatFit", "3.3").AddArguments(fits, w.File("diffs.tbl"))
	for i := range diffs {
		concat.Uses(w.File(fmt.Sprintf("fit.%06d.%06d.txt", i, i+1)), daxapi.Input)
	}
	concat.UsesWith(fits, daxapi.Output, false, 1, false).Depends(diffs...)
	corr := w.File("corrections.tbl")
	bg := w.Job("montage", "mBgModel", "3.3").AddArguments(w.File("images.tbl"), fits, corr).
		Uses(fits, daxapi.Input).UsesWith(corr, daxapi.Output, false, 1, false).Depends(concat)
	var bgs []*daxapi.Job
	for i := 0; i < n; i++ {
		p := fmt.Sprintf("p2mass-%06d", i)
		c := w.File(fmt.Sprintf("c2mass-%06d.fits", i))
		j := w.Job("montage", "mBackground", "3.3").AddArguments("-t", w.File(p+".fits"), c, corr).
			Uses(w.File(p+".fits"), daxapi.Input).Uses(w.File(p+"_area.fits"), daxapi.Input).Uses(corr, daxapi.Input).
			UsesWith(c, daxapi.Output, false, 1, false).UsesWith(w.File(fmt.Sprintf("c2mass-%06d_area.fits", i)), daxapi.Output, false, 1, false)
		j.Depends(bg, projects[i])
		bgs = append(bgs, j)
	}
	tbl := w.File("cimages.tbl")
	imgtbl := w.Job("montage", "mImgtbl", "3.3").AddArguments(".", "-t", w.File("cimages.lst"), tbl)
	for i := 0; i < n; i++ {
		imgtbl.Uses(w.File(fmt.Sprintf("c2mass-%06d.fits", i)), daxapi.Input)
	}
	imgtbl.UsesWith(tbl, daxapi.Output, false, 1, false).Depends(bgs...)
	mosaic := w.File("mosaic.fits")
	add := w.Job("montage", "mAdd", "3.3").AddArguments("-e", tbl, w.File("region.hdr"), mosaic).Uses(tbl, daxapi.Input).Uses(w.File("region.hdr"), daxapi.Input)
	for i := 0; i < n; i++ {
		add.Uses(w.File(fmt.Sprintf("c2mass-%06d.fits", i)), daxapi.Input).Uses(w.File(fmt.Sprintf("c2mass-%06d_area.fits", i)), daxapi.Input)
	}
	add.UsesWith(mosaic, daxapi.Output, true, 0, false).Depends(imgtbl)
	small := w.File("shrunken.fits")
	shrink := w.Job("montage", "mShrink", "3.3").AddArguments(mosaic, small, "50").Uses(mosaic, daxapi.Input).UsesWith(small, daxapi.Output, true, 0, false).Depends(add)
	jpg := w.File("mosaic.jpg")
	w.Job("montage", "mJPEG", "3.3").AddArguments("-ct 1 -gray", small, "-1.5s 60s gaussian -out", jpg).Uses(small, daxapi.Input).Uses(jpg, daxapi.Output).Depends(shrink)
	return w
}
