package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/pegasus-go/pegasus/internal/properties"
)

// ErrUnsupported marks a URL scheme (or a direction) no backend handles.
var ErrUnsupported = errors.New("unsupported URL")

// scheme of a location.
type scheme uint8

const (
	schemeFile    scheme = iota + 1
	schemeSymlink        // symlink://: link instead of copy (destinations)
	schemeS3             // s3:// and s3s://
	schemeHTTP           // http:// and https:// (sources)
)

// location is a parsed URL.
type location struct {
	raw    string
	scheme scheme
	path   string // file, symlink: absolute local path

	// S3: s3://[user@site/]bucket/key. Identity is "user@site" when given
	// (a section of the s3cfg file); secure is set for s3s://.
	identity string
	bucket   string
	key      string
	secure   bool
}

func (l location) isLocal() bool { return l.scheme == schemeFile || l.scheme == schemeSymlink }

func (l location) String() string { return l.raw }

// parseLocation parses a URL of a transfer list. A bare absolute path is a
// file URL (Pegasus writes source paths that way).
func parseLocation(raw string) (location, error) {
	l := location{raw: raw}
	switch {
	case strings.HasPrefix(raw, "/"):
		l.scheme, l.path = schemeFile, filepath.Clean(raw)
		return l, nil
	case hasScheme(raw, "file"), hasScheme(raw, "symlink"):
		l.scheme = schemeFile
		if hasScheme(raw, "symlink") {
			l.scheme = schemeSymlink
		}
		rest := raw[strings.Index(raw, "://")+3:]
		// file:///p, file://localhost/p; "file://p" (relative) is refused.
		i := strings.IndexByte(rest, '/')
		if i < 0 {
			return l, fmt.Errorf("%w: %s: no path", ErrUnsupported, raw)
		}
		p, err := url.PathUnescape(rest[i:])
		if err != nil {
			p = rest[i:]
		}
		l.path = filepath.Clean(p)
		return l, nil
	case hasScheme(raw, "s3"), hasScheme(raw, "s3s"):
		l.scheme = schemeS3
		l.secure = hasScheme(raw, "s3s")
		rest := raw[strings.Index(raw, "://")+3:]
		first, after, _ := strings.Cut(rest, "/")
		if strings.Contains(first, "@") {
			l.identity = first
			first, after, _ = strings.Cut(after, "/")
		}
		l.bucket, l.key = first, after
		if l.bucket == "" {
			return l, fmt.Errorf("%w: %s: no bucket", ErrUnsupported, raw)
		}
		return l, nil
	case hasScheme(raw, "http"), hasScheme(raw, "https"):
		l.scheme = schemeHTTP
		return l, nil
	}
	return l, fmt.Errorf("%w: %s", ErrUnsupported, raw)
}

func hasScheme(raw, s string) bool {
	return len(raw) > len(s)+3 && strings.EqualFold(raw[:len(s)], s) && raw[len(s):len(s)+3] == "://"
}

// AbsURL turns a path into a file URL (a relative path against the working
// directory); a URL is kept as it is.
func AbsURL(p string) string {
	if isURL(p) {
		return p
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		abs = p
	}
	return "file://" + abs
}

// isURL reports whether p starts with a scheme and "://".
func isURL(p string) bool {
	for i := 0; i < len(p) && i < 16; i++ {
		c := p[i]
		if c == ':' {
			return i > 0 && len(p) > i+2 && p[i+1] == '/' && p[i+2] == '/'
		}
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return false
}

// Targets is a pegasus-dirmanager or pegasus-cleanup run: directories to
// create or paths to remove, given on the command line (Reqs) or, when there
// are none, as a list of URLs (one per line) in File or on Stdin.
type Targets struct {
	Reqs      []Request
	File      string
	Kind      Kind
	Recursive bool
	Attempts  int // 0: the configured default
	Stdin     io.Reader
	Stdout    io.Writer // Pegasus-style log lines
}

// RunTargets carries out a Targets run with the configuration in props.
func RunTargets(ctx context.Context, props *properties.Properties, getenv func(string) string, t Targets) error {
	cfg, err := ConfigFromProperties(props, getenv)
	if err != nil {
		return err
	}
	if t.Attempts > 0 {
		cfg.Attempts = t.Attempts
	}
	cfg.Log = NewLogger(t.Stdout, nil)
	reqs := t.Reqs
	if len(reqs) == 0 {
		in, name := t.Stdin, "stdin"
		if t.File != "" {
			f, err := os.Open(t.File)
			if err != nil {
				return err
			}
			defer f.Close()
			in, name = f, t.File
		}
		cfg.Log.Infof("Reading URL pairs from %s", name)
		if reqs, err = ReadTargets(in, name, t.Kind, t.Recursive); err != nil {
			return err
		}
		cfg.Log.Infof("%d transfers loaded", len(reqs))
	}
	if len(reqs) == 0 {
		return ErrNothingToDo
	}
	_, err = New(cfg).Run(ctx, reqs)
	return err
}

// ErrNothingToDo means no path, URL or list was given.
var ErrNothingToDo = errors.New("nothing to do: give a path or URL, or a list on stdin")
