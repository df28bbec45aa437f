package check

import (
	"fmt"
	"strings"
	"testing"
)

// TestUserTargets: the instances of uprobe and usdt targets naming
// several files, or none (usdt with -p): each file's probes, named with
// the file as written or as the process maps it, attached to the file the
// host opens; a usdt probe at two places is two instances, the second
// numbered Location 1.
func TestUserTargets(t *testing.T) {
	for _, c := range []struct {
		src  string
		pid  int
		want []string // name@binary#location
	}{
		{`usdt::python:gc__start { }`, 4242, []string{
			"usdt:/lib/x86_64-linux-gnu/libc.so.6:python:gc__start@/lib/x86_64-linux-gnu/libc.so.6#0",
			"usdt:/opt/fixture/uprobe_test:python:gc__start@/opt/fixture/uprobe_test#0",
		}},
		{`usdt:/opt/fixture/usdt_test:tracetest:* { }`, 0, []string{
			"usdt:/opt/fixture/usdt_test:tracetest:many@/opt/fixture/usdt_test#0",
			"usdt:/opt/fixture/usdt_test:tracetest:testprobe@/opt/fixture/usdt_test#0",
			"usdt:/opt/fixture/usdt_test:tracetest:testprobe@/opt/fixture/usdt_test#1",
		}},
		{`usdt:/opt/fixture/*_test:tracetest:testprobe { }`, 0, []string{
			"usdt:/opt/fixture/usdt_test:tracetest:testprobe@/opt/fixture/usdt_test#0",
			"usdt:/opt/fixture/usdt_test:tracetest:testprobe@/opt/fixture/usdt_test#1",
		}},
		{`uprobe:/opt/fixture/u*:uprobeFunction* { }`, 0, []string{
			"uprobe:/opt/fixture/uprobe_test:uprobeFunction1@/opt/fixture/uprobe_test#0",
			"uprobe:/opt/fixture/uprobe_test:uprobeFunction2@/opt/fixture/uprobe_test#0",
			"uprobe:/opt/fixture/uprobe_test:uprobeFunctionBar@/opt/fixture/uprobe_test#0",
		}},
		{`uprobe:*:get*pid { }`, 4242, []string{
			"uprobe:/lib/x86_64-linux-gnu/libc.so.6:getpid@/lib/x86_64-linux-gnu/libc.so.6#0",
			"uprobe:/lib/x86_64-linux-gnu/libc.so.6:getppid@/lib/x86_64-linux-gnu/libc.so.6#0",
		}},
	} {
		_, info := mustCheck(t, c.src, &Config{Pid: c.pid})
		var got []string
		for _, in := range info.Instances {
			got = append(got, fmt.Sprintf("%s@%s#%d", in.Attach.Name, in.Attach.Binary, in.Attach.Location))
		}
		if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("%s (pid %d):\n%s\nwant:\n%s", c.src, c.pid, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
}
