//go:build linux

package runtime

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/gobpftrace/gobpftrace/lang/types"
)

// HostOptions configures a Host. The zero value is the real machine.
type HostOptions struct {
	// StrLen is the capacity of __data_loc string fields (BPFTRACE_STRLEN);
	// DefaultStrLen when zero.
	StrLen int
	// Tracefs, when non-nil, is used instead of the mounted tracefs. It is
	// rooted like tracefs: it holds events/CAT/EVENT/format and optionally
	// available_events. Tests pass a fixture tree here.
	Tracefs fs.FS
	// DebugPaths are the directories searched for the separate debug
	// files of user programs (--debuginfo), before the standard ones.
	DebugPaths []string
}

// Host answers the checker's questions about the running machine (it
// implements check.Host). Everything is read lazily on first use and cached;
// a Host is safe for concurrent use.
type Host struct {
	strlen int
	fixed  fs.FS // HostOptions.Tracefs

	fsOnce sync.Once
	fsys   fs.FS
	fsErr  error

	listOnce sync.Once
	list     []string // every "cat:event", sorted
	listErr  error

	mu     sync.Mutex
	args   map[string]*tracepointInfo
	exists map[string]bool

	uprobeOnce sync.Once
	uprobe     *uprobeState // uprobe targets and symbols (uprobes.go)

	kbtf kernelBTF // kernel BTF types and enumerators (btf.go)

	rawTPs rawTPCache // raw tracepoint names (rawtp.go)

	dwarf      dwarfCache // user programs' DWARF (dwarf.go)
	debugPaths []string   // HostOptions.DebugPaths
}

// tracepointInfo is the cached parse of one format file.
type tracepointInfo struct {
	fields []formatField
	layout *types.Struct
	err    error
}

// NewHost returns a Host. opts may be nil.
func NewHost(opts *HostOptions) *Host {
	h := &Host{
		strlen: DefaultStrLen,
		args:   map[string]*tracepointInfo{},
		exists: map[string]bool{},
	}
	if opts != nil {
		if opts.StrLen > 0 {
			h.strlen = opts.StrLen
		}
		h.fixed = opts.Tracefs
		h.debugPaths = opts.DebugPaths
	}
	return h
}

// tracefs returns the tracefs tree, mounting tracefs on first use if needed.
func (h *Host) tracefs() (fs.FS, error) {
	if h.fixed != nil {
		return h.fixed, nil
	}
	h.fsOnce.Do(func() {
		dir, err := Tracefs()
		if err != nil {
			h.fsErr = err
			return
		}
		h.fsys = os.DirFS(dir)
	})
	return h.fsys, h.fsErr
}

// Tracepoints returns the "category:event" names matching pattern, sorted.
// A pattern with a ':' matches the category and the event separately; one
// without matches the whole "category:event" name. '*' and '?' are
// wildcards (path.Match syntax).
func (h *Host) Tracepoints(pattern string) ([]string, error) {
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, fmt.Errorf("tracepoint pattern %q: %w", pattern, err)
	}
	cat, event, split := strings.Cut(pattern, ":")
	if split && !hasWildcard(pattern) {
		// The common case: one exact tracepoint, answered with one stat.
		ok, err := h.tracepointExists(cat, event)
		if err != nil || !ok {
			return nil, err
		}
		return []string{pattern}, nil
	}
	all, err := h.allTracepoints()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, name := range all {
		var ok bool
		if split {
			c, e, _ := strings.Cut(name, ":")
			ok = match(cat, c) && match(event, e)
		} else {
			ok = match(pattern, name)
		}
		if ok {
			out = append(out, name)
		}
	}
	return out, nil
}

func hasWildcard(s string) bool { return strings.ContainsAny(s, "*?[\\") }

func match(pattern, name string) bool {
	ok, _ := path.Match(pattern, name)
	return ok
}

// tracepointExists reports whether events/cat/event/format exists.
func (h *Host) tracepointExists(cat, event string) (bool, error) {
	key := cat + ":" + event
	h.mu.Lock()
	ok, cached := h.exists[key]
	h.mu.Unlock()
	if cached {
		return ok, nil
	}
	fsys, err := h.tracefs()
	if err != nil {
		return false, err
	}
	if !fs.ValidPath(cat) || !fs.ValidPath(event) || strings.Contains(cat+event, "/") {
		return false, nil
	}
	_, err = fs.Stat(fsys, path.Join("events", cat, event, "format"))
	switch {
	case err == nil:
		ok = true
	case errors.Is(err, fs.ErrNotExist):
		ok = false
	default:
		return false, fmt.Errorf("looking up tracepoint %s: %w", key, err)
	}
	h.mu.Lock()
	h.exists[key] = ok
	h.mu.Unlock()
	return ok, nil
}

// allTracepoints lists every tracepoint once. available_events (one
// "cat:event" per line) is a single read; walking events/ is the fallback.
func (h *Host) allTracepoints() ([]string, error) {
	h.listOnce.Do(func() {
		fsys, err := h.tracefs()
		if err != nil {
			h.listErr = err
			return
		}
		if data, err := fs.ReadFile(fsys, "available_events"); err == nil {
			h.list = parseAvailableEvents(data)
		} else {
			h.list, h.listErr = walkEvents(fsys)
		}
		sort.Strings(h.list)
	})
	return h.list, h.listErr
}

func parseAvailableEvents(data []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.Count(line, ":") == 1 {
			out = append(out, line)
		}
	}
	return out
}

// walkEvents lists events/<cat>/<event> directories that have a format file
// (the ftrace category's events have one but cannot be attached to; they are
// excluded the same way available_events excludes them: they have no id).
func walkEvents(fsys fs.FS) ([]string, error) {
	cats, err := fs.ReadDir(fsys, "events")
	if err != nil {
		return nil, fmt.Errorf("listing tracepoints: %w", err)
	}
	var out []string
	for _, c := range cats {
		if !c.IsDir() || c.Name() == "ftrace" {
			continue
		}
		events, err := fs.ReadDir(fsys, path.Join("events", c.Name()))
		if err != nil {
			return nil, fmt.Errorf("listing tracepoints: %w", err)
		}
		for _, e := range events {
			if e.IsDir() {
				out = append(out, c.Name()+":"+e.Name())
			}
		}
	}
	return out, nil
}

// TracepointArgs returns the layout of a tracepoint record as the struct
// "_tracepoint_<cat>_<event>" (see check.Host).
func (h *Host) TracepointArgs(category, event string) (*types.Struct, error) {
	info := h.tracepoint(category, event)
	return info.layout, info.err
}

// tracepoint parses (once) the format file of one tracepoint.
func (h *Host) tracepoint(category, event string) *tracepointInfo {
	key := category + ":" + event
	h.mu.Lock()
	info, ok := h.args[key]
	h.mu.Unlock()
	if ok {
		return info
	}
	info = &tracepointInfo{}
	info.fields, info.err = h.readFormat(category, event)
	if info.err == nil {
		info.layout = tracepointStruct(category, event, info.fields, h.strlen)
	}
	h.mu.Lock()
	h.args[key] = info
	h.mu.Unlock()
	return info
}

func (h *Host) readFormat(category, event string) ([]formatField, error) {
	fsys, err := h.tracefs()
	if err != nil {
		return nil, err
	}
	if strings.Contains(category+event, "/") || !fs.ValidPath(category) || !fs.ValidPath(event) {
		return nil, fmt.Errorf("tracepoint %s:%s: %w", category, event, fs.ErrNotExist)
	}
	data, err := fs.ReadFile(fsys, path.Join("events", category, event, "format"))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("tracepoint %s:%s: %w", category, event, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("reading format of tracepoint %s:%s: %w", category, event, err)
	}
	fields, err := parseFormat(data)
	if err != nil {
		return nil, fmt.Errorf("parsing format of tracepoint %s:%s: %w", category, event, err)
	}
	return fields, nil
}

// TracepointListing is one line group of `-l`/`-lv` output.
type TracepointListing struct {
	// Name is "category:event" (the caller adds the "tracepoint:" prefix).
	Name string
	// Fields are the C declarations of the record's fields, without the
	// common_* ones, as bpftrace -lv prints them indented by four spaces:
	// "int __syscall_nr", "const char * filename". Only set when verbose.
	Fields []string
}

// ListTracepoints returns the tracepoints matching pattern (see
// Tracepoints), with their field declarations when verbose. A tracepoint
// whose format cannot be read is listed without fields.
func (h *Host) ListTracepoints(pattern string, verbose bool) ([]TracepointListing, error) {
	names, err := h.Tracepoints(pattern)
	if err != nil {
		return nil, err
	}
	out := make([]TracepointListing, len(names))
	for i, name := range names {
		out[i].Name = name
		if !verbose {
			continue
		}
		cat, event, _ := strings.Cut(name, ":")
		info := h.tracepoint(cat, event)
		for _, f := range info.fields {
			if strings.HasPrefix(f.Name, "common_") {
				continue
			}
			out[i].Fields = append(out[i].Fields, f.Decl)
		}
	}
	return out, nil
}
