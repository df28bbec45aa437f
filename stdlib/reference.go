package stdlib

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/gobpftrace/gobpftrace/stdlib/bt"
)

// Reference renders the language reference docs/stdlib.md from this
// package's tables: every probe kind, builtin variable, function, macro of
// the embedded standard library (stdlib/bt) and configuration key, with
// its signature, description and example. The file is generated, never
// edited: `go test ./stdlib -run TestReference -update` rewrites it, and
// the test fails when the committed file differs from what the tables say.
func Reference() string {
	var b strings.Builder
	b.WriteString("# gobpftrace language reference\n\n")
	b.WriteString("<!-- Generated from the tables of package stdlib by `go test ./stdlib -run TestReference -update`; do not edit. -->\n\n")
	b.WriteString("Every probe kind, builtin variable, function, standard-library macro and configuration key gobpftrace knows.\n")
	b.WriteString("Entries marked *not supported* parse but are refused with a positioned error; *unsafe* ones need `--unsafe`.\n\n")
	b.WriteString("- [Probes](#probes)\n- [Builtin variables](#builtin-variables)\n- [Functions](#functions)\n- [Macros](#macros)\n- [Configuration](#configuration)\n\n")

	b.WriteString("## Probes\n\n")
	for id := ProbeKind(1); id < numProbeKinds; id++ {
		d := Probes[id]
		fmt.Fprintf(&b, "### %s\n\n", d.Name)
		if len(d.Aliases) > 0 {
			fmt.Fprintf(&b, "Also `%s`. ", strings.Join(d.Aliases, "`, `"))
		}
		fmt.Fprintf(&b, "%s.%s\n\n", capitalize(d.Doc), notSupported(d.Implemented))
		example(&b, ProbeExamples[id])
	}

	b.WriteString("## Builtin variables\n\n")
	for id := VarID(1); id < numVars; id++ {
		d := Vars[id]
		name := d.Name
		if id == ArgN {
			name = fmt.Sprintf("arg0 … arg%d", MaxArgN)
		}
		fmt.Fprintf(&b, "### %s\n\n", name)
		typ := "depends on the probe"
		if d.Type != nil {
			typ = "`" + d.Type.String() + "`"
		}
		fmt.Fprintf(&b, "Type: %s. %s.%s\n\n", typ, capitalize(d.Doc), notSupported(d.Implemented))
		example(&b, VarExamples[id])
	}

	b.WriteString("## Functions\n\n")
	for id := FuncID(1); id < numFuncs; id++ {
		d := Funcs[id]
		fmt.Fprintf(&b, "### %s\n\n`%s`\n\n", d.Name, d.Sig)
		var notes []string
		if d.Has(Unsafe) {
			notes = append(notes, "*unsafe*")
		}
		if d.Has(Aggregation) {
			notes = append(notes, "an aggregation: assign it to a map element")
		}
		if d.Has(Statement) {
			notes = append(notes, "a statement (it has no value)")
		}
		fmt.Fprintf(&b, "%s.", capitalize(d.Doc))
		if len(notes) > 0 {
			fmt.Fprintf(&b, " %s.", capitalize(strings.Join(notes, "; ")))
		}
		fmt.Fprintf(&b, "%s\n\n", notSupported(d.Has(Implemented)))
		example(&b, FuncExamples[id])
	}

	b.WriteString("## Macros\n\n")
	b.WriteString("The standard library written in the language (`stdlib/bt/*.bt`, embedded in the binary): a script calls these like functions, and they are expanded where it does.\n\n")
	for _, f := range bt.Files() {
		for _, m := range Macros(f.Text) {
			fmt.Fprintf(&b, "### %s\n\n", m.Name)
			for _, sig := range m.Sigs {
				fmt.Fprintf(&b, "`%s`  \n", sig)
			}
			fmt.Fprintf(&b, "Defined in `%s`.", f.Name)
			if m.Doc != "" {
				fmt.Fprintf(&b, " %s", m.Doc)
			}
			b.WriteString("\n\n")
		}
	}

	b.WriteString("## Configuration\n\n")
	b.WriteString("Set in a config block before the probes (`config = { max_strlen = 128; stack_mode = perf }`) or in the environment as `BPFTRACE_<KEY>`, which wins over the block.\n\n")
	b.WriteString("| Key | Default | Values | Meaning |\n|-----|---------|--------|---------|\n")
	for id := ConfigKey(1); id < numConfigKeys; id++ {
		d := Configs[id]
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s |\n", d.Name, d.Default, d.Values, d.Doc)
	}
	return b.String()
}

func example(b *strings.Builder, src string) {
	if src != "" {
		fmt.Fprintf(b, "```\n%s\n```\n\n", src)
	}
}

func notSupported(implemented bool) string {
	if implemented {
		return ""
	}
	return " *Not supported.*"
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// MacroDoc is one macro of the standard library: its overloads'
// signatures and the comment above its first definition.
type MacroDoc struct {
	Name string
	Sigs []string
	Doc  string
}

// macroHead matches the head of a macro definition; compiled on first
// use (documentation only), not at start-up.
var macroHead = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^macro\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(([^)]*)\)`)
})

// Macros lists the macros a standard-library file defines, in order, with
// the overloads of a name together.
func Macros(text string) []MacroDoc {
	var out []MacroDoc
	index := map[string]int{}
	var comment []string
	for _, line := range strings.Split(text, "\n") {
		t := strings.TrimSpace(line)
		if c, ok := strings.CutPrefix(t, "//"); ok {
			comment = append(comment, strings.TrimSpace(c))
			continue
		}
		m := macroHead().FindStringSubmatch(t)
		if m == nil {
			comment = nil
			continue
		}
		sig := m[1] + "(" + m[2] + ")"
		if i, ok := index[m[1]]; ok {
			out[i].Sigs = append(out[i].Sigs, sig)
		} else {
			index[m[1]] = len(out)
			out = append(out, MacroDoc{Name: m[1], Sigs: []string{sig}, Doc: strings.Join(comment, " ")})
		}
		comment = nil
	}
	return out
}
