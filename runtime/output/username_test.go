package output

import (
	"os"
	"path/filepath"
	"testing"
)

func TestReadPasswd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "passwd")
	text := "root:x:0:0:root:/root:/bin/bash\n# comment\nbad line\ndaemon:x:1:1::/:/bin/false\nalias:x:1:1::/:/bin/false\nx:x:notanumber:0::/:\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	m := readPasswd(path)
	if len(m) != 2 || m[0] != "root" || m[1] != "daemon" {
		t.Errorf("readPasswd = %v, want root and daemon (the first name of uid 1)", m)
	}
	if m := readPasswd(filepath.Join(t.TempDir(), "none")); len(m) != 0 {
		t.Errorf("missing file: %v", m)
	}
}
