package main

import (
	"sort"
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// maxCompletions bounds a completion list (kernel function names run to
// tens of thousands).
const maxCompletions = 500

// complete is the shell's tab completion: the text before the cursor
// (line[:pos]) is split into head and the word being completed, and the
// candidates replace that word. It completes commands and their
// arguments, attach points at the start of input (probe kinds,
// tracepoints, kernel functions, uprobe functions), map names, builtins
// and functions from the stdlib tables, and struct fields after -> and .
// (from BTF, or the tracepoint's record for args).
func (r *repl) complete(line string, pos int) (head string, completions []string, tail string) {
	before, tail := line[:pos], line[pos:]
	if strings.HasPrefix(before, ":") {
		name, arg, hasArg := strings.Cut(before[1:], " ")
		if !hasArg {
			for _, c := range replCommands {
				if strings.HasPrefix(c.name, name) {
					completions = append(completions, ":"+c.name+" ")
				}
			}
			return "", completions, tail
		}
		c := lookupCommand(name)
		if c == nil || c.complete == nil {
			return before, nil, tail
		}
		arg = strings.TrimLeft(arg, " ")
		head = before[:len(before)-len(arg)]
		return head, c.complete(r, arg), tail
	}
	start := wordStart(before)
	head, word := before[:start], before[start:]
	switch {
	case strings.TrimSpace(head) == "" || strings.HasSuffix(strings.TrimSpace(head), ","):
		// An attach point (first word, or after a comma of a probe list)
		// or the first word of a statement.
		completions = r.completeAttach(word)
		if !strings.Contains(word, ":") {
			completions = append(completions, completeNames(word)...)
		}
	case strings.HasPrefix(word, "@"):
		completions = completeMapNames(r, word)
	case strings.HasSuffix(head, "->") || strings.HasSuffix(head, "."):
		completions = r.completeFields(line, head, word)
	default:
		completions = completeNames(word)
	}
	return head, limit(completions), tail
}

// wordStart is where the word ending at the end of s starts. A run of
// identifier characters with ':' or '/' is an attach point or a path and
// is one word ("uprobe:/usr/lib/libc.so.6:mal"); otherwise '.' and '-'
// are operators and end the word ("args.filen" → "filen"; "->" already
// stops at '>').
func wordStart(s string) int {
	i := len(s)
	for i > 0 {
		c := s[i-1]
		if c == '_' || c == '@' || c == '$' || c == ':' || c == '/' || c == '*' || c == '.' || c == '-' ||
			c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			i--
			continue
		}
		break
	}
	run := s[i:]
	if !strings.ContainsAny(run, ":/") {
		if j := strings.LastIndexAny(run, ".-"); j >= 0 {
			return i + j + 1
		}
	}
	return i
}

// completeNames completes builtin variables, functions (with their
// opening parenthesis) and keywords.
func completeNames(word string) []string {
	var out []string
	for _, n := range stdlib.VarNames() {
		if strings.HasPrefix(n, word) {
			out = append(out, n)
		}
	}
	for _, n := range stdlib.FuncNames() {
		if strings.HasPrefix(n, word) {
			out = append(out, n+"(")
		}
	}
	for _, k := range []string{"if", "else", "while", "unroll", "return", "let"} {
		if strings.HasPrefix(k, word) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// completeAttach completes an attach point: probe kinds, then what each
// kind attaches to.
func (r *repl) completeAttach(word string) []string {
	provider, rest, found := strings.Cut(word, ":")
	if !found {
		var out []string
		for _, n := range stdlib.ProbeNames() {
			if strings.HasPrefix(n, word) && len(n) > 1 {
				k, _ := stdlib.LookupProbe(n)
				if stdlib.Probes[k].MinParts == 0 {
					out = append(out, n)
				} else {
					out = append(out, n+":")
				}
			}
		}
		sort.Strings(out)
		return out
	}
	k, ok := stdlib.LookupProbe(provider)
	if !ok {
		return nil
	}
	prefix := provider + ":"
	h := r.s.Host()
	var names []string
	switch k {
	case stdlib.Tracepoint:
		if cat, _, ok := strings.Cut(rest, ":"); ok {
			all, _ := h.Tracepoints(cat + ":*")
			for _, n := range all {
				if strings.HasPrefix(n, rest) {
					names = append(names, n)
				}
			}
		} else {
			all, _ := h.Tracepoints("*:*")
			seen := map[string]bool{}
			for _, n := range all {
				cat, _, _ := strings.Cut(n, ":")
				if strings.HasPrefix(cat, rest) && !seen[cat] {
					seen[cat] = true
					names = append(names, cat+":")
				}
			}
		}
	case stdlib.Kprobe, stdlib.Kretprobe:
		funcs, _ := h.KernelFuncs("", rest+"*")
		for i, f := range funcs {
			if i == 0 || f.Name != funcs[i-1].Name {
				names = append(names, f.Name)
			}
		}
	case stdlib.Uprobe, stdlib.Uretprobe:
		if bin, fn, ok := strings.Cut(rest, ":"); ok {
			if path, err := h.ResolveBinary(bin); err == nil {
				fns, _ := h.FuncSymbols(path, fn+"*")
				for _, f := range fns {
					names = append(names, bin+":"+f)
				}
			}
		} else {
			names = completeFiles(r, rest)
			if strings.HasPrefix("libc", rest) {
				names = append(names, "libc:")
			}
		}
	}
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, prefix+n)
	}
	return out
}

// completeFields completes a field after "->" or ".": of curtask (and
// chains of pointer fields from it), of a cast to a struct pointer, or of
// args in a tracepoint probe.
func (r *repl) completeFields(line, head, word string) []string {
	chain, base := fieldChain(head)
	var t types.Type
	h := r.s.Host()
	switch {
	case base == "curtask":
		t, _ = h.KernelType("struct task_struct")
	case base == "args":
		cat, ev, ok := tracepointOf(line)
		if !ok {
			return nil
		}
		s, err := h.TracepointArgs(cat, ev)
		if err != nil {
			return nil
		}
		t = s
	case strings.HasPrefix(base, "struct ") || strings.HasPrefix(base, "union "):
		t, _ = h.KernelType(base)
	}
	for _, f := range chain {
		s := structOf(t)
		if s == nil {
			return nil
		}
		fd, ok := s.Field(f)
		if !ok {
			return nil
		}
		t = fd.Type
	}
	s := structOf(t)
	if s == nil {
		return nil
	}
	var out []string
	var add func(s *types.Struct)
	add = func(s *types.Struct) {
		for _, f := range s.Fields {
			if f.Name == "" {
				if inner, ok := f.Type.(*types.Struct); ok {
					add(inner)
				}
				continue
			}
			if strings.HasPrefix(f.Name, word) {
				out = append(out, f.Name)
			}
		}
	}
	add(s)
	sort.Strings(out)
	return out
}

// structOf is the struct t is or points to.
func structOf(t types.Type) *types.Struct {
	switch t := t.(type) {
	case *types.Struct:
		return t
	case *types.Pointer:
		s, _ := t.Elem.(*types.Struct)
		return s
	}
	return nil
}

// fieldChain splits the expression ending head ("x = curtask->mm->") into
// its base ("curtask", "args" or "struct task_struct" for a cast) and
// the fields walked from it (["mm"]).
func fieldChain(head string) (fields []string, base string) {
	s := head
	for {
		switch {
		case strings.HasSuffix(s, "->"):
			s = s[:len(s)-2]
		case strings.HasSuffix(s, "."):
			s = s[:len(s)-1]
		default:
			return nil, ""
		}
		i := len(s)
		for i > 0 && (s[i-1] == '_' || s[i-1] >= 'a' && s[i-1] <= 'z' || s[i-1] >= 'A' && s[i-1] <= 'Z' || s[i-1] >= '0' && s[i-1] <= '9') {
			i--
		}
		name := s[i:]
		s = s[:i]
		if name == "" && strings.HasSuffix(s, ")") {
			// ((struct sock *)arg0)->: the cast names the type.
			if j := strings.LastIndex(s, "(struct "); j >= 0 {
				if k := strings.Index(s[j:], "*"); k >= 0 {
					return fields, strings.TrimSpace(s[j+1 : j+k])
				}
			}
			return nil, ""
		}
		if !strings.HasSuffix(s, "->") && !strings.HasSuffix(s, ".") {
			return fields, name
		}
		fields = append([]string{name}, fields...)
	}
}

// tracepointOf finds the tracepoint the input's probe attaches to.
func tracepointOf(line string) (cat, ev string, ok bool) {
	word := strings.TrimSpace(line)
	if i := strings.IndexAny(word, " \t{/,"); i >= 0 {
		word = word[:i]
	}
	provider, rest, found := strings.Cut(word, ":")
	if k, known := stdlib.LookupProbe(provider); !found || !known || k != stdlib.Tracepoint {
		return "", "", false
	}
	return strings.Cut(rest, ":")
}

func limit(s []string) []string {
	if len(s) > maxCompletions {
		return s[:maxCompletions]
	}
	return s
}
