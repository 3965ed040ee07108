package kickstart

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// DefaultDataLimit is the default bound (-B) on the stdout and stderr data
// copied into the record, in bytes.
const DefaultDataLimit = 256 * 1024

// ErrUsage marks a command-line mistake.
var ErrUsage = errors.New("usage")

// ErrHelp is returned by ParseArgs for -h, --help; ErrVersion for -V, --version.
var (
	ErrHelp    = errors.New("help requested")
	ErrVersion = errors.New("version requested")
)

// Options is what the command line asks for. The zero value (plus Args)
// runs the application with stdin from /dev/null and stdout/stderr
// captured into the record.
type Options struct {
	Conf           string // --conf: a Pegasus properties file (read by the command)
	Transformation string // -n
	Derivation     string // -N
	Resource       string // -R
	Label          string // -L
	Stamp          string // -T

	// Stdin, Stdout, Stderr redirect the job's standard streams (-i, -o,
	// -e). "" is the default: stdin from /dev/null, stdout and stderr into
	// temporary files whose content goes into the record. Stdin "-" passes
	// kickstart's own stdin to the job (the planned jobs feed their input
	// this way); Stdout/Stderr "-" is the default capture.
	Stdin, Stdout, Stderr string

	WorkDir     string // -w: change to this directory first
	MakeWorkDir bool   // -W: create WorkDir (mkdir -p) first

	MakeExecutable bool // -X: add execute permission to the application
	DataLimit      int  // -B: bound on captured data per stream; 0 means DefaultDataLimit

	Initial []FileSpec // -s: files to stat before the job
	Final   []FileSpec // -S: output files to stat and checksum after the job

	FailFast bool // -F: accepted for compatibility (only a main job is run)
	Full     bool // -f: full machine scan (per-process states from /proc)
	Quiet    bool // -q: omit stdout/stderr data when the job succeeded
	NoHeader bool // -H: omit the XML declaration
	XML      bool // --xml: write an iv-2.3 XML record instead of YAML
	LogFile  string

	Args []string // the application and its arguments
}

// FileSpec names a file for -s/-S: "lfn=path" or "path" (the path is then
// the lfn too).
type FileSpec struct{ LFN, Path string }

// ParseFileSpec parses one -s/-S argument (not an @list).
func ParseFileSpec(s string) FileSpec {
	if i := strings.IndexByte(s, '='); i > 0 {
		return FileSpec{LFN: s[:i], Path: s[i+1:]}
	}
	return FileSpec{LFN: s, Path: s}
}

// ParseArgs parses kickstart's command line as Pegasus's kickstart does:
// single-letter options, each value either attached ("-nfoo") or the next
// argument, up to the first argument that is not an option (the
// application) or "--". -I reads the application and its arguments from a
// file, one per line.
func ParseArgs(args []string) (*Options, error) {
	o := &Options{}
	i := 0
	value := func(a string) (string, error) {
		if len(a) > 2 {
			return a[2:], nil
		}
		if i+1 >= len(args) {
			return "", fmt.Errorf("%w: option %s needs a value", ErrUsage, a)
		}
		i++
		return args[i], nil
	}
	for ; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			i++
			break
		}
		if len(a) < 2 || a[0] != '-' {
			break
		}
		if strings.HasPrefix(a, "--") {
			switch a {
			case "--help":
				return nil, ErrHelp
			case "--version":
				return nil, ErrVersion
			case "--conf":
				if i+1 >= len(args) {
					return nil, fmt.Errorf("%w: option --conf needs a value", ErrUsage)
				}
				i++
				o.Conf = args[i]
			case "--xml":
				o.XML = true
			case "--yaml":
				o.XML = false
			default:
				if v, ok := strings.CutPrefix(a, "--conf="); ok {
					o.Conf = v
					continue
				}
				return nil, fmt.Errorf("%w: unknown option %s", ErrUsage, a)
			}
			continue
		}
		var err error
		var v string
		switch a[1] {
		case 'h':
			return nil, ErrHelp
		case 'V':
			return nil, ErrVersion
		case 'X':
			o.MakeExecutable = true
		case 'H':
			o.NoHeader = true
		case 'F':
			o.FailFast = true
		case 'f':
			o.Full = true
		case 'q':
			o.Quiet = true
		case 'n', 'N', 'R', 'L', 'T', 'i', 'o', 'e', 'w', 'W', 's', 'S', 'B', 'l', 'I':
			if v, err = value(a); err != nil {
				return nil, err
			}
			if err = o.set(a[1], v); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("%w: unknown option %s", ErrUsage, a)
		}
	}
	o.Args = append(o.Args, args[i:]...)
	if len(o.Args) == 0 {
		return nil, fmt.Errorf("%w: no application to run", ErrUsage)
	}
	return o, nil
}

func (o *Options) set(c byte, v string) error {
	switch c {
	case 'n':
		o.Transformation = v
	case 'N':
		o.Derivation = v
	case 'R':
		o.Resource = v
	case 'L':
		o.Label = v
	case 'T':
		o.Stamp = v
	case 'i':
		o.Stdin = v
	case 'o':
		o.Stdout = v
	case 'e':
		o.Stderr = v
	case 'w':
		o.WorkDir = v
	case 'W':
		o.WorkDir, o.MakeWorkDir = v, true
	case 'l':
		o.LogFile = v
	case 'B':
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("%w: -B %q: not a size in bytes", ErrUsage, v)
		}
		if n == 0 {
			n = DefaultDataLimit
		}
		o.DataLimit = n
	case 's', 'S':
		specs, err := fileSpecs(v)
		if err != nil {
			return err
		}
		if c == 's' {
			o.Initial = append(o.Initial, specs...)
		} else {
			o.Final = append(o.Final, specs...)
		}
	case 'I':
		lines, err := readLines(v)
		if err != nil {
			return fmt.Errorf("-I: %w", err)
		}
		o.Args = append(o.Args, lines...)
	}
	return nil
}

// fileSpecs expands one -s/-S value: "@file" reads one spec per line
// (blank lines and # comments skipped).
func fileSpecs(v string) ([]FileSpec, error) {
	if !strings.HasPrefix(v, "@") {
		return []FileSpec{ParseFileSpec(v)}, nil
	}
	lines, err := readLines(v[1:])
	if err != nil {
		return nil, err
	}
	specs := make([]FileSpec, 0, len(lines))
	for _, l := range lines {
		if l = strings.TrimSpace(l); l == "" || l[0] == '#' {
			continue
		}
		specs = append(specs, ParseFileSpec(l))
	}
	return specs, nil
}

func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out, sc.Err()
}
