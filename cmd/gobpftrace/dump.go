package main

import (
	"fmt"
	"io"
	"sort"

	"github.com/gobpftrace/gobpftrace/codegen"
	"github.com/gobpftrace/gobpftrace/lang/check"
)

// dumpTypes prints the probe instances and map types found by the checker
// (-d types).
func dumpTypes(w io.Writer, info *check.Info) {
	dumpHeader(w, "probes")
	for _, inst := range info.Instances {
		fmt.Fprintf(w, "%s\n", inst.Attach.Name)
		var vars []*check.VarSym
		seen := map[*check.VarSym]bool{}
		for _, v := range inst.Vars {
			if !seen[v] {
				seen[v] = true
				vars = append(vars, v)
			}
		}
		sort.Slice(vars, func(i, j int) bool { return vars[i].Name < vars[j].Name })
		for _, v := range vars {
			fmt.Fprintf(w, "    %s: %s\n", v.Name, v.Type)
		}
	}
	dumpHeader(w, "maps")
	for _, name := range info.MapNames {
		m := info.Maps[name]
		if m.Key != nil {
			fmt.Fprintf(w, "%s[%s]: %s\n", name, m.Key, m.Value)
		} else {
			fmt.Fprintf(w, "%s: %s\n", name, m.Value)
		}
	}
}

// dumpAsm prints the generated instructions of every program (-d asm).
func dumpAsm(w io.Writer, obj *codegen.Object) {
	for _, p := range obj.Programs {
		dumpHeader(w, fmt.Sprintf("%s (%s, %d instructions)", p.Probe, p.Name, len(p.Insns)))
		fmt.Fprintf(w, "%v\n", p.Insns)
	}
}
