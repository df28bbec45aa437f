package output

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"sync"
)

// passwdPath is the user database UserName reads.
const passwdPath = "/etc/passwd"

var (
	usersOnce sync.Once
	users     map[uint64]string
)

// UserName is the name /etc/passwd gives the user id uid, or "" when it
// has none (as bpftrace prints `username`). The file is read once.
func UserName(uid uint64) string {
	usersOnce.Do(func() { users = readPasswd(passwdPath) })
	return users[uid]
}

// readPasswd maps the user ids of a passwd file to their first name.
func readPasswd(path string) map[uint64]string {
	m := map[uint64]string{}
	f, err := os.Open(path)
	if err != nil {
		return m
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if len(fields) < 3 {
			continue
		}
		id, err := strconv.ParseUint(fields[2], 10, 64)
		if err != nil {
			continue
		}
		if _, ok := m[id]; !ok {
			m[id] = fields[0]
		}
	}
	return m
}
