package codegen

import "golang.org/x/sys/unix"

// markTopDir sets the "top of directory hierarchy" attribute (chattr +T) on
// dir, best effort. On ext4 it makes the allocator spread the job file
// directories created in dir over block groups with many free inodes (the
// Orlov allocator), instead of packing them into dir's group: creating tens
// of thousands of files in one group costs more system time, most of all on
// file systems without a journal, where the allocator skips the group's
// recently deleted inodes one by one. File systems without the attribute
// ignore it or refuse it; either is fine.
func markTopDir(dir string) {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	defer unix.Close(fd)
	flags, err := unix.IoctlGetUint32(fd, unix.FS_IOC_GETFLAGS)
	if err != nil || flags&fsTopDirFL != 0 {
		return
	}
	_ = unix.IoctlSetPointerInt(fd, unix.FS_IOC_SETFLAGS, int(flags|fsTopDirFL))
}

// fsTopDirFL is FS_TOPDIR_FL of linux/fs.h.
const fsTopDirFL = 0x00020000
