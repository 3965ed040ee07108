package main

import (
	"context"
	"encoding/json"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/internal/sampledb"
	"github.com/pegasus-go/pegasus/stampede"
)

// chromium finds a Chromium to check the page with; without one the test
// is skipped with a message saying how to get it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("Chromium is not installed, so index.html was not checked in a browser (apt-get install chromium)")
	return ""
}

// runChromium runs headless Chromium on a page with a fresh profile and no
// network use; root needs --no-sandbox.
func runChromium(t *testing.T, bin string, args ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=0"}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var o, e strings.Builder
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", bin, err, e.String())
	}
	return o.String(), e.String()
}

// checker is put first in a copy of the page: it records every error and
// console.error, and once the page has loaded writes which images are not
// visible (not loaded, no natural size, or not displayed) into the DOM.
const checker = `<script>
window.__errs = [];
window.addEventListener('error', function (e) {
  var what = e.message || (e.target && (e.target.src || e.target.href)) || 'unknown';
  window.__errs.push('error: ' + String(what).slice(0, 120));
}, true);
(function () {
  var ce = console.error;
  console.error = function () {
    window.__errs.push('console.error: ' + Array.prototype.join.call(arguments, ' '));
    ce.apply(console, arguments);
  };
})();
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var bad = imgs.filter(function (i) {
    var r = i.getBoundingClientRect(), s = getComputedStyle(i);
    return !(i.complete && i.naturalWidth > 0 && i.naturalHeight > 0 && r.width > 0 && r.height > 0 &&
      s.display !== 'none' && s.visibility !== 'hidden');
  }).map(function (i) { return i.alt; });
  var pre = document.createElement('pre');
  pre.id = 'plots-check';
  pre.textContent = JSON.stringify({images: imgs.length, bad: bad, errors: window.__errs});
  document.body.appendChild(pre);
});
</script>
`

var checkRE = regexp.MustCompile(`(?s)<pre id="plots-check">(.*?)</pre>`)

// TestPageInBrowser opens the page of a hierarchical run (charts, a
// sub-workflow without job data), of a failed run, and of a synthetic
// hierarchy drawn with binned views in headless Chromium: no console
// error, every image loaded and displayed; and takes a screenshot that
// must not be blank.
func TestPageInBrowser(t *testing.T) {
	bin := chromium(t)
	for _, sample := range []string{"hierarchical_wf_success", "process_wf_failure"} {
		t.Run(sample, func(t *testing.T) {
			r := sampledb.Load(t, sample)
			out := t.TempDir()
			if _, stderr, code := runCmd(t, zone, "-q", "-o", out, r.Dir); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			checkInBrowser(t, bin, out, 5)
		})
	}
	t.Run("binned hierarchy", func(t *testing.T) {
		ctx := context.Background()
		path := filepath.Join(t.TempDir(), "syn.duckdb")
		db, err := stampede.Open(ctx, path, stampede.OpenOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.FillSynthetic(ctx, stampede.SyntheticRun{Jobs: 3000, SubWorkflows: 2}); err != nil {
			t.Fatal(err)
		}
		if err := db.FillSyntheticEdges(ctx); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		out := t.TempDir()
		if _, stderr, code := runCmd(t, zone, "-q", "-o", out, "--detail-limit", "500", path); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		page, err := os.ReadFile(filepath.Join(out, "index.html"))
		if err != nil {
			t.Fatal(err)
		}
		tries := regexp.MustCompile(`<th>job tries</th><td>(\d+) `).FindAllSubmatch(page, -1)
		if len(tries) != 3 {
			t.Fatalf("%d workflows on the page, want 3", len(tries))
		}
		for _, m := range tries {
			if n, _ := strconv.Atoi(string(m[1])); n <= 500 {
				t.Errorf("a workflow of %d tries: not binned", n)
			}
		}
		// Per workflow: Gantt, host, critical path, breakdown; per root:
		// time and breakdown.
		checkInBrowser(t, bin, out, 3*4+2)
	})
}

// checkInBrowser checks out/index.html in Chromium: self-contained, at
// least min images, all of them visible, no error; and a screenshot that
// is not blank.
func checkInBrowser(t *testing.T, bin, out string, min int) {
	t.Helper()
	index := filepath.Join(out, "index.html")
	page, err := os.ReadFile(index)
	if err != nil {
		t.Fatal(err)
	}
	// Self-contained: images are data: URLs, nothing is fetched.
	for _, m := range regexp.MustCompile(`(?i)<(?:img|script|link|iframe)[^>]*(?:src|href)="([^"]*)"`).FindAllSubmatch(page, -1) {
		if !strings.HasPrefix(string(m[1]), "data:image/png;base64,") {
			t.Errorf("the page loads %q", m[1])
		}
	}
	want := strings.Count(string(page), "<img ")
	if want < min {
		t.Fatalf("%d images on the page, want at least %d", want, min)
	}

	checked := filepath.Join(out, "checked.html")
	s := strings.Replace(string(page), "<head>\n", "<head>\n"+checker, 1)
	if err := os.WriteFile(checked, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	dom, stderr := runChromium(t, bin, "--virtual-time-budget=10000", "--dump-dom", "file://"+checked)
	m := checkRE.FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("the page did not finish loading; stderr:\n%s", stderr)
	}
	var res struct {
		Images int
		Bad    []string
		Errors []string
	}
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &res); err != nil {
		t.Fatal(err)
	}
	if res.Images != want || len(res.Bad) > 0 {
		t.Errorf("%d images in the browser (want %d), not visible: %v", res.Images, want, res.Bad)
	}
	if len(res.Errors) > 0 {
		t.Errorf("errors in the browser: %v", res.Errors)
	}
	for _, line := range strings.Split(stderr, "\n") {
		if strings.Contains(line, ":CONSOLE") && (strings.Contains(line, "Uncaught") || strings.Contains(line, "ERROR")) {
			t.Errorf("console: %s", line)
		}
	}

	shot := filepath.Join(out, "screenshot.png")
	runChromium(t, bin, "--hide-scrollbars", "--window-size=1360,2400", "--screenshot="+shot, "file://"+index)
	b, err := os.ReadFile(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	nonBlank(t, b)
}
