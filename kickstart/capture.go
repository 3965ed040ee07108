package kickstart

import (
	"fmt"
	"io"
	"os"
	"syscall"
	"time"
	"unicode/utf8"
)

// fileCapture is one of the job's standard streams as kickstart set it up.
type fileCapture struct {
	f      *os.File
	temp   bool   // a temporary capture file (removed afterwards)
	name   string // the named file, when redirected to one
	fd     int    // kickstart's own descriptor passed through, or -1
	closer bool   // kickstart opened f and must close it
}

// capture holds the job's standard streams and the integrity data file.
type capture struct {
	ids   *identities
	limit int
	in    fileCapture
	out   fileCapture
	err   fileCapture
	meta  *os.File
}

func (c *capture) open(o *Options, env Env, tmp, dir string) error {
	var err error
	switch o.Stdin {
	case "":
		c.in.name = os.DevNull
		if c.in.f, err = os.Open(os.DevNull); err != nil {
			return err
		}
		c.in.closer, c.in.fd = true, -1
	case "-":
		c.in.f, c.in.fd = env.Stdin, 0
		if c.in.f == nil {
			c.in.f = os.Stdin
		}
	default:
		c.in.name = resolve(dir, o.Stdin)
		c.in.fd = -1
		if c.in.f, err = os.Open(c.in.name); err != nil {
			// As kickstart does, a stdin that cannot be opened leaves the
			// job reading /dev/null; the stat records the error.
			if c.in.f, err = os.Open(os.DevNull); err != nil {
				return err
			}
		}
		c.in.closer = true
	}
	if c.out, err = openOutput(o.Stdout, tmp, dir, "ks.out."); err != nil {
		return err
	}
	if c.err, err = openOutput(o.Stderr, tmp, dir, "ks.err."); err != nil {
		return err
	}
	if c.meta, err = os.CreateTemp(tmp, "ks.meta."); err != nil {
		return fmt.Errorf("create capture file: %w", err)
	}
	return nil
}

func openOutput(spec, tmp, dir, prefix string) (fileCapture, error) {
	if spec == "" || spec == "-" {
		f, err := os.CreateTemp(tmp, prefix)
		if err != nil {
			return fileCapture{}, fmt.Errorf("create capture file: %w", err)
		}
		return fileCapture{f: f, temp: true, fd: -1, closer: true}, nil
	}
	name := resolve(dir, spec)
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
	if err != nil {
		// The job's output is lost, not the record: write it to /dev/null.
		f, err = os.OpenFile(os.DevNull, os.O_WRONLY, 0)
		if err != nil {
			return fileCapture{}, err
		}
	}
	return fileCapture{f: f, name: name, fd: -1, closer: true}, nil
}

// stdinInfo describes the job's stdin.
func (c *capture) stdinInfo() StatInfo {
	if c.in.fd >= 0 {
		var st syscall.Stat_t
		si := StatInfo{Descriptor: c.in.fd}
		if err := syscall.Fstat(int(c.in.f.Fd()), &st); err != nil {
			si.Errno = errnoOf(err)
			return si
		}
		fillStat(&si, &st, c.ids)
		return si
	}
	return statFile(c.in.name, "", c.ids)
}

// finish describes one capture file and, when keep is set, reads its data
// (the last limit bytes, cut at a character boundary).
func (c *capture) finish(fc fileCapture, desc int, keep bool) StatInfo {
	if fc.f == nil {
		return StatInfo{Descriptor: -1}
	}
	if !fc.temp {
		return statFile(fc.name, "", c.ids)
	}
	si := StatInfo{Name: fc.f.Name(), Temporary: true, Descriptor: desc}
	var st syscall.Stat_t
	if err := syscall.Fstat(int(fc.f.Fd()), &st); err != nil {
		si.Errno = errnoOf(err)
		return si
	}
	fillStat(&si, &st, c.ids)
	if !keep || si.Size == 0 || desc == 5 {
		return si
	}
	off, n := int64(0), si.Size
	if n > int64(c.limit) {
		off, n = si.Size-int64(c.limit), int64(c.limit)
		si.Truncated = true
	}
	buf := make([]byte, n)
	m, err := fc.f.ReadAt(buf, off)
	if err != nil && err != io.EOF {
		return si
	}
	buf = buf[:m]
	if si.Truncated {
		// Start at a character boundary.
		for i := 0; i < utf8.UTFMax && len(buf) > 0 && !utf8.RuneStart(buf[0]); i++ {
			buf = buf[1:]
		}
	}
	si.HasData, si.Data = true, buf
	return si
}

// cleanup closes what kickstart opened and removes the temporary files.
func (c *capture) cleanup() {
	for _, fc := range []fileCapture{c.in, c.out, c.err} {
		if fc.f != nil && fc.closer {
			fc.f.Close()
			if fc.temp {
				os.Remove(fc.f.Name())
			}
		}
	}
	if c.meta != nil {
		c.meta.Close()
		os.Remove(c.meta.Name())
	}
}

// statFile stats a named file (following symbolic links, as kickstart does).
func statFile(name, lfn string, ids *identities) StatInfo {
	si := StatInfo{LFN: lfn, Name: name, Descriptor: -1}
	var st syscall.Stat_t
	if err := syscall.Stat(name, &st); err != nil {
		si.Errno = errnoOf(err)
		return si
	}
	fillStat(&si, &st, ids)
	return si
}

func fillStat(si *StatInfo, st *syscall.Stat_t, ids *identities) {
	si.Mode = uint32(st.Mode)
	si.Size = st.Size
	si.Inode = uint64(st.Ino)
	si.Nlink = uint64(st.Nlink)
	si.Blksize = int64(st.Blksize)
	si.Blocks = int64(st.Blocks)
	si.Mtime = time.Unix(int64(st.Mtim.Sec), int64(st.Mtim.Nsec))
	si.Atime = time.Unix(int64(st.Atim.Sec), int64(st.Atim.Nsec))
	si.Ctime = time.Unix(int64(st.Ctim.Sec), int64(st.Ctim.Nsec))
	si.UID = int(st.Uid)
	si.GID = int(st.Gid)
	si.User = ids.user(si.UID)
	si.Group = ids.group(si.GID)
}

func errnoOf(err error) int {
	if e, ok := err.(syscall.Errno); ok {
		return int(e)
	}
	return int(syscall.EIO)
}
