package codegen

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestMarkTopDir checks that markTopDir sets the attribute where the file
// system keeps it (ext4 does; tmpfs has no attributes: skipped) and keeps
// the directory's other attributes.
func TestMarkTopDir(t *testing.T) {
	dir := t.TempDir()
	flags := func() uint32 {
		fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Close(fd)
		f, err := unix.IoctlGetUint32(fd, unix.FS_IOC_GETFLAGS)
		if err != nil {
			t.Skipf("%s: no inode attributes on this file system: %v", dir, err)
		}
		return f
	}
	before := flags()
	markTopDir(dir)
	after := flags()
	if after&fsTopDirFL == 0 {
		t.Skipf("%s: the file system does not keep the top-directory attribute (flags %#x)", dir, after)
	}
	if after&^fsTopDirFL != before&^fsTopDirFL {
		t.Errorf("flags %#x became %#x", before, after)
	}
	markTopDir(dir) // a second call changes nothing
	if again := flags(); again != after {
		t.Errorf("flags %#x became %#x", after, again)
	}
}
