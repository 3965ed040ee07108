package kickstart

import (
	"bytes"
	"os"
	"strconv"
	"sync"
)

// identities maps uids and gids to names from /etc/passwd and /etc/group.
// It reads the files itself (once, on first use) rather than through
// os/user, so that kickstart stays a static binary that starts fast; ids
// known only to a directory service print as numbers.
type identities struct {
	mu     sync.Mutex
	users  map[int]string
	groups map[int]string
	pwFile string
	grFile string
}

func newIdentities() *identities {
	return &identities{pwFile: "/etc/passwd", grFile: "/etc/group"}
}

func (ids *identities) user(uid int) string {
	ids.mu.Lock()
	defer ids.mu.Unlock()
	if ids.users == nil {
		ids.users = readIDFile(ids.pwFile)
	}
	if n, ok := ids.users[uid]; ok {
		return n
	}
	return strconv.Itoa(uid)
}

func (ids *identities) group(gid int) string {
	ids.mu.Lock()
	defer ids.mu.Unlock()
	if ids.groups == nil {
		ids.groups = readIDFile(ids.grFile)
	}
	if n, ok := ids.groups[gid]; ok {
		return n
	}
	return strconv.Itoa(gid)
}

// readIDFile reads "name:x:id:..." lines; the first name of an id wins.
func readIDFile(path string) map[int]string {
	m := map[int]string{}
	data, err := os.ReadFile(path)
	if err != nil {
		return m
	}
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		f := bytes.SplitN(line, []byte(":"), 4)
		if len(f) < 3 {
			continue
		}
		id, err := strconv.Atoi(string(f[2]))
		if err != nil {
			continue
		}
		if _, ok := m[id]; !ok {
			m[id] = string(f[0])
		}
	}
	return m
}
