//go:build linux

package codegen_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestSelfScratch(t *testing.T) {
	f := os.Getenv("SCRATCH")
	if f == "" {
		t.Skip()
	}
	data, _ := os.ReadFile(f)
	for _, s := range strings.Split(string(data), "\n---\n") {
		t.Run("", func(t *testing.T) {
			fmt.Printf("=== %s\n", s)
			r := runScript(t, s, "42", "hello")
			fmt.Printf("%s[code=%d]\n", r.stdout, r.code)
		})
	}
}
