package planner_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/pegasus-go/pegasus/planner"
	"github.com/pegasus-go/pegasus/planner/internal/fixture"
	"github.com/pegasus-go/pegasus/planner/montage"
)

// BenchmarkPlanMontage plans generated Montage-shaped workflows of 1,000,
// 10,000 and 100,000 tasks (default options: sharedfs, in-place cleanup,
// output site local), in process: it measures planning, not process start.
func BenchmarkPlanMontage(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			w := montage.Generate(n)
			fx := fixture.BuildFor(b, w.Workflow())
			daxPath := filepath.Join(fx.Root, "montage.dax")
			if err := w.WriteFile(daxPath); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				dir := filepath.Join(fx.Root, fmt.Sprint("submit", i))
				_, err := planner.Plan(context.Background(), planner.Options{Conf: fx.Conf, DAX: daxPath, Dir: dir, OutputSite: "local",
					Getenv: env(nil), BinDir: "/opt/pegasus/bin"})
				if err != nil {
					b.Fatal(err)
				}
				// Plans are not removed between iterations: deleting many
				// files right before creating many makes ext4 look for
				// recently freed inodes and distorts the next iteration.
			}
		})
	}
}
