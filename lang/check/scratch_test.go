package check

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/parser"
)

func TestScratch(t *testing.T) {
	f := os.Getenv("SCRATCH")
	if f == "" {
		t.Skip()
	}
	data, _ := os.ReadFile(f)
	for _, s := range strings.Split(string(data), "\n---\n") {
		src := diag.NewSource("stdin", s)
		prog, d := parser.Parse(src)
		fmt.Printf("=== %s\n", s)
		if d.HasErrors() {
			fmt.Print("PARSE: ", src.Render(d))
			continue
		}
		info, cd := Check(src, prog, &Config{Host: newFixtureHost(), Params: []string{"42", "hello"}})
		fmt.Print(src.Render(cd))
		if os.Getenv("TYPES") != "" && !cd.HasErrors() {
			for _, in := range info.Instances {
				fmt.Println("inst", in.Attach.Name)
			}
			for _, n := range info.MapNames {
				m := info.Maps[n]
				fmt.Println("map", n, m.Key, m.Value)
			}
		}
	}
}
