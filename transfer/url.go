package transfer

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
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
