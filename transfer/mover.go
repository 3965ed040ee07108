package transfer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pegasus-go/pegasus/kickstart"
)

// Config tells a Mover how to work.
type Config struct {
	Threads  int           // concurrent requests; 0 means 8
	Attempts int           // attempts per request; 0 means 3
	Backoff  time.Duration // wait after the first failed attempt, doubled after each; 0 means 5s

	// Symlink links instead of copying when source and destination are
	// local files of the same site. A destination symlink:// URL always
	// asks for a link.
	Symlink bool
	// Checksum computes the sha256 of every transferred file, as the
	// request's generate_checksum does for one.
	Checksum bool
	// IntegrityFile receives integrity entries for the checksums computed
	// (kickstart's $KICKSTART_INTEGRITY_DATA); "" means none are written.
	IntegrityFile string
	// Tool names the writer in integrity entries; "" means pegasus-transfer.
	Tool string

	S3         S3Config
	HTTPClient *http.Client // for http(s) sources; nil means http.DefaultClient
	Log        *Logger      // nil discards the log
}

// Stats sums up a run.
type Stats struct {
	Requests  int
	Transfers int   // files copied, linked, uploaded or downloaded
	Bytes     int64 // bytes moved
	Local     int   // transfers that involved a local file (for the log's "Stats:" line)
	Failed    int   // requests that failed after all attempts
	Attempts  int   // attempts made
	Duration  time.Duration
	Sites     map[string]*SiteStats // "src->dst"
	Checksums map[string]string     // lfn (or destination) -> sha256
}

// SiteStats sums the transfers between two sites.
type SiteStats struct {
	Transfers int
	Bytes     int64
}

// Error is returned by Run when requests failed after all attempts.
type Error struct {
	Failed int
	Total  int
	First  error // the error of the first failed request
}

func (e *Error) Error() string {
	return fmt.Sprintf("%d of %d transfers failed: %v", e.Failed, e.Total, e.First)
}

func (e *Error) Unwrap() error { return e.First }

// Mover carries out transfer requests.
type Mover struct {
	cfg   Config
	log   *Logger
	s3    *s3Clients
	intMu sync.Mutex

	statsMu sync.Mutex
	stats   Stats
}

// New returns a Mover for cfg.
func New(cfg Config) *Mover {
	if cfg.Threads <= 0 {
		cfg.Threads = 8
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = 3
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 5 * time.Second
	}
	if cfg.Tool == "" {
		cfg.Tool = "pegasus-transfer"
	}
	if cfg.S3.HTTPClient == nil {
		cfg.S3.HTTPClient = cfg.HTTPClient
	}
	m := &Mover{cfg: cfg, log: cfg.Log}
	m.s3 = &s3Clients{cfg: &m.cfg.S3}
	return m
}

// Run carries out the requests: each attempt runs the pending requests on
// Threads workers; failures other than permanent ones are retried after a
// back-off, up to Attempts attempts. It logs as pegasus-transfer does and
// returns the statistics and, when requests failed, an *Error.
func (m *Mover) Run(ctx context.Context, reqs []Request) (Stats, error) {
	start := time.Now()
	m.stats = Stats{Requests: len(reqs), Sites: map[string]*SiteStats{}, Checksums: map[string]string{}}
	pending := make([]int, len(reqs))
	for i := range pending {
		pending[i] = i
	}
	errs := make([]error, len(reqs))
	for attempt := 1; attempt <= m.cfg.Attempts && len(pending) > 0; attempt++ {
		if attempt > 1 {
			wait := m.cfg.Backoff << (attempt - 2)
			m.log.Infof("%d transfers failed, retrying in %s", len(pending), wait)
			select {
			case <-ctx.Done():
				return m.finish(start), ctx.Err()
			case <-time.After(wait):
			}
		}
		m.stats.Attempts = attempt
		m.log.Infof("%s", strings.Repeat("-", 80))
		m.log.Infof("Starting transfers - attempt %d", attempt)
		m.runAttempt(ctx, reqs, pending, errs)
		if err := ctx.Err(); err != nil {
			return m.finish(start), err
		}
		var next []int
		for _, i := range pending {
			if errs[i] == nil {
				continue
			}
			if errors.Is(errs[i], ErrPermanent) {
				m.log.Errorf("%s: not retried: %v", describe(reqs[i]), errs[i])
				continue
			}
			next = append(next, i)
		}
		pending = next
	}
	st := m.finish(start)
	m.log.Infof("%s", strings.Repeat("-", 80))
	m.logStats(st)
	var first error
	failed := 0
	for i, err := range errs {
		if err != nil {
			failed++
			if first == nil {
				first = fmt.Errorf("%s: %w", describe(reqs[i]), err)
			}
		}
	}
	m.stats.Failed = failed
	st.Failed = failed
	if failed > 0 {
		m.log.Errorf("%d of %d transfers failed", failed, len(reqs))
		return st, &Error{Failed: failed, Total: len(reqs), First: first}
	}
	m.log.Infof("All transfers completed successfully.")
	return st, nil
}

func (m *Mover) finish(start time.Time) Stats {
	m.statsMu.Lock()
	defer m.statsMu.Unlock()
	m.stats.Duration = time.Since(start)
	return m.stats
}

func (m *Mover) runAttempt(ctx context.Context, reqs []Request, pending []int, errs []error) {
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(m.cfg.Threads, len(pending)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				errs[i] = m.do(ctx, &reqs[i])
				if errs[i] != nil {
					m.log.Errorf("%s failed: %v", describe(reqs[i]), errs[i])
				}
			}
		}()
	}
	for _, i := range pending {
		if ctx.Err() != nil {
			break
		}
		work <- i
	}
	close(work)
	wg.Wait()
}

func describe(r Request) string {
	switch r.Kind {
	case KindTransfer:
		if r.LFN != "" {
			return fmt.Sprintf("transfer %d (%s)", r.ID, r.LFN)
		}
		return fmt.Sprintf("transfer %d", r.ID)
	default:
		return fmt.Sprintf("%s %d (%s)", r.Kind, r.ID, r.Target.URL)
	}
}

// do carries out one request once.
func (m *Mover) do(ctx context.Context, r *Request) error {
	switch r.Kind {
	case KindMkdir:
		l, err := parseLocation(r.Target.URL)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrPermanent, err)
		}
		switch {
		case l.isLocal():
			m.log.Infof("mkdir -p '%s'", l.path)
			return mkdirLocal(l.path)
		case l.scheme == schemeS3:
			m.log.Infof("s3 mkdir '%s'", l)
			return m.s3.mkdir(ctx, l)
		}
		return fmt.Errorf("%w: mkdir %s", ErrPermanent, l)
	case KindRemove:
		l, err := parseLocation(r.Target.URL)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrPermanent, err)
		}
		switch {
		case l.isLocal():
			flag := "-f"
			if r.Recursive {
				flag = "-rf"
			}
			m.log.Infof("rm %s '%s'", flag, l.path)
			return removeLocal(l.path, r.Recursive)
		case l.scheme == schemeS3:
			n, err := m.s3.remove(ctx, l, r.Recursive)
			if err == nil {
				m.log.Infof("s3 rm '%s' (%d objects)", l, n)
			}
			return err
		}
		return fmt.Errorf("%w: remove %s", ErrPermanent, l)
	}
	for _, dst := range r.Dests {
		var last error
		permanent := true
		done := false
		for _, src := range r.Sources {
			if err := m.transfer(ctx, r, src, dst); err != nil {
				if len(r.Sources) > 1 {
					m.log.Warnf("%s: source %s failed: %v", describe(*r), src.URL, err)
				}
				last = err
				permanent = permanent && errors.Is(err, ErrPermanent)
				if ctx.Err() != nil {
					return ctx.Err()
				}
				continue
			}
			done = true
			break
		}
		if !done {
			if permanent && !errors.Is(last, ErrPermanent) {
				last = fmt.Errorf("%w: %w", ErrPermanent, last)
			}
			return last
		}
	}
	return nil
}

// transfer moves one source to one destination.
func (m *Mover) transfer(ctx context.Context, r *Request, src, dst Endpoint) error {
	sl, err := parseLocation(src.URL)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrPermanent, err)
	}
	dl, err := parseLocation(dst.URL)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrPermanent, err)
	}
	if dl.scheme == schemeHTTP {
		return fmt.Errorf("%w: cannot write to %s", ErrUnsupported, dl)
	}
	var sum *hashWriter
	if r.GenerateChecksum || m.cfg.Checksum {
		sum = newHash()
	}
	link := sl.isLocal() && dl.isLocal() &&
		(dl.scheme == schemeSymlink || (m.cfg.Symlink && src.Site != "" && src.Site == dst.Site))
	var n int64
	switch {
	case link:
		m.log.Infof("ln -s '%s' '%s'", sl.path, dl.path)
		if err = symlink(sl.path, dl.path, r.VerifySymlinkSource); err == nil && sum != nil {
			err = sum.file(sl.path)
		}
	case sl.isLocal() && dl.isLocal():
		m.log.Infof("cp '%s' '%s'", sl.path, dl.path)
		n, err = copyFile(sl.path, dl.path, sum)
	case sl.isLocal() && dl.scheme == schemeS3:
		m.log.Infof("s3 put '%s' '%s'", sl.path, dl)
		n, err = m.s3.upload(ctx, sl.path, dl, sum)
	case sl.scheme == schemeS3 && dl.isLocal():
		m.log.Infof("s3 get '%s' '%s'", sl, dl.path)
		n, err = m.s3.download(ctx, sl, dl.path, sum)
	case sl.scheme == schemeS3 && dl.scheme == schemeS3 && sum == nil && m.sameS3(sl, dl):
		m.log.Infof("s3 cp '%s' '%s'", sl, dl)
		n, err = m.s3.copyObject(ctx, sl, dl)
	case sl.scheme == schemeHTTP && dl.isLocal():
		m.log.Infof("http get '%s' '%s'", sl, dl.path)
		n, err = httpGet(ctx, m.cfg.HTTPClient, sl, dl.path, sum)
	case (sl.scheme == schemeS3 || sl.scheme == schemeHTTP) && dl.scheme == schemeS3:
		n, err = m.viaTemp(ctx, sl, dl, sum)
	default:
		return fmt.Errorf("%w: %w: %s -> %s", ErrPermanent, ErrUnsupported, sl, dl)
	}
	if err != nil {
		return err
	}
	m.count(src.Site, dst.Site, n, sl.isLocal() || dl.isLocal())
	if sum != nil {
		m.recordChecksum(r, sl, dl, sum)
	}
	return nil
}

func (m *Mover) sameS3(a, b location) bool {
	pa, err1 := m.cfg.S3.profileFor(a)
	pb, err2 := m.cfg.S3.profileFor(b)
	return err1 == nil && err2 == nil && pa == pb && a.secure == b.secure
}

// viaTemp moves between two remote locations through a local temporary file.
func (m *Mover) viaTemp(ctx context.Context, sl, dl location, sum *hashWriter) (int64, error) {
	dir, err := os.MkdirTemp("", "pegasus-transfer-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "data")
	m.log.Infof("'%s' -> '%s' through a local copy", sl, dl)
	if sl.scheme == schemeS3 {
		_, err = m.s3.download(ctx, sl, tmp, sum)
	} else {
		_, err = httpGet(ctx, m.cfg.HTTPClient, sl, tmp, sum)
	}
	if err != nil {
		return 0, err
	}
	return m.s3.upload(ctx, tmp, dl, nil)
}

func (m *Mover) count(src, dst string, n int64, local bool) {
	m.statsMu.Lock()
	defer m.statsMu.Unlock()
	m.stats.Transfers++
	m.stats.Bytes += n
	if local {
		m.stats.Local++
	}
	k := src + "->" + dst
	s := m.stats.Sites[k]
	if s == nil {
		s = &SiteStats{}
		m.stats.Sites[k] = s
	}
	s.Transfers++
	s.Bytes += n
}

// recordChecksum logs the sha256 and, under kickstart, adds an integrity
// entry for the local file (the source when it is local, as Pegasus does).
func (m *Mover) recordChecksum(r *Request, sl, dl location, sum *hashWriter) {
	hex := sum.sum()
	lfn := r.LFN
	if lfn == "" {
		lfn = filepath.Base(dl.path + dl.key)
	}
	m.statsMu.Lock()
	m.stats.Checksums[lfn] = hex
	m.statsMu.Unlock()
	m.log.Infof("sha256 of %s: %s (%.3f s)", lfn, hex, sum.elapsed.Seconds())
	if m.cfg.IntegrityFile == "" {
		return
	}
	path := ""
	switch {
	case sl.isLocal():
		path = sl.path
	case dl.isLocal():
		path = dl.path
	default:
		return
	}
	e, err := kickstart.IntegrityEntryFor(lfn, path, m.cfg.Tool, hex, sum.elapsed.Seconds())
	if err != nil {
		m.log.Warnf("integrity data for %s: %v", lfn, err)
		return
	}
	m.intMu.Lock()
	defer m.intMu.Unlock()
	f, err := os.OpenFile(m.cfg.IntegrityFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		m.log.Warnf("integrity data: %v", err)
		return
	}
	defer f.Close()
	if err := kickstart.WriteIntegrity(f, []kickstart.IntegrityEntry{e}); err != nil {
		m.log.Warnf("integrity data: %v", err)
	}
}

// logStats writes the "Stats:" lines of pegasus-transfer.
func (m *Mover) logStats(st Stats) {
	if st.Local == 0 {
		m.log.Infof("Stats: no local files in the transfer set")
		return
	}
	secs := st.Duration.Seconds()
	m.log.Infof("Stats: Total %d transfers, %s transferred in %.0f seconds. Rate: %s", st.Transfers, humanBytes(float64(st.Bytes)), secs, rate(st.Bytes, secs))
	keys := make([]string, 0, len(st.Sites))
	for k := range st.Sites {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s := st.Sites[k]
		m.log.Infof("       Between sites %s : %d transfers, %s transferred in %.0f seconds. Rate: %s", k, s.Transfers, humanBytes(float64(s.Bytes)), secs, rate(s.Bytes, secs))
	}
}

func rate(n int64, secs float64) string {
	if secs <= 0 {
		secs = 0.001
	}
	r := float64(n) / secs
	return fmt.Sprintf("%s/s (%s/s)", humanBytes(r), humanBits(r*8))
}

func humanBytes(v float64) string {
	units := []string{"B", "KB", "MB", "GB", "TB"}
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}

func humanBits(v float64) string {
	units := []string{"b", "Kb", "Mb", "Gb", "Tb"}
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}
