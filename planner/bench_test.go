package planner_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/pegasus-go/pegasus/planner"
	"github.com/pegasus-go/pegasus/planner/internal/fixture"
	"github.com/pegasus-go/pegasus/planner/montage"
)

// BenchmarkPlanMontage plans a generated Montage-shaped workflow of 10,000
// tasks (default options: sharedfs, in-place cleanup, output site local).
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
				b.StopTimer()
				os.RemoveAll(dir)
				b.StartTimer()
			}
		})
	}
}
