package check

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
	"github.com/gobpftrace/gobpftrace/lang/types"
	"github.com/gobpftrace/gobpftrace/stdlib"
)

// Named program options.
//
// getopt("name"[, default[, description]]) declares an option of the
// script, given on the command line after "--" as --name=value (or --name
// for a boolean). Its type is the default's: a string, an integer (signed
// when the literal is negative) or a boolean (no default means a boolean
// defaulting to false). Options are fixed before the program is loaded,
// so the checker resolves each call to a constant of the value given on
// the command line (or the default), and the code generator emits it as
// any other constant. Problems with the command line itself (an option no
// getopt declares, a value of the wrong type, --help) are not positioned:
// they are collected in Info.OptionError, which the command reports after
// the script has checked without errors, as bpftrace does.

func init() {
	callCheckers[stdlib.Getopt] = (*checker).checkGetopt
}

// OptionKind is the type of a named program option.
type OptionKind uint8

// Option kinds.
const (
	OptionBool OptionKind = iota
	OptionInt
	OptionUint
	OptionString
)

// ProgOption is a named program option declared by getopt.
type ProgOption struct {
	Name string
	Kind OptionKind
	// Default is the default as written (an integer in decimal, a string,
	// true or false).
	Default string
	// Desc is the description from getopt's third argument.
	Desc string
	// Value is the value in effect: the command line's or the default.
	Int int64
	Str string
}

// OptionError is a problem with the named options of the command line:
// Msg is the error (empty for --help, which only lists the options) and
// Hint the list of options the script declares.
type OptionError struct {
	Msg, Hint string
}

// Error implements error.
func (e *OptionError) Error() string { return e.Msg }

// checkGetopt checks getopt(name[, default[, description]]) and resolves
// it to the option's value.
func (c *checker) checkGetopt(call *ast.Call, _ *ast.MapExpr) types.Type {
	name, ok := call.Args[0].(*ast.StrLit)
	if !ok {
		c.errorf(call.Args[0], diag.CodeType, "First argument to 'getopt' must be a string literal.")
		return nil
	}
	opt := &ProgOption{Name: name.Value, Kind: OptionBool, Default: "false"}
	if len(call.Args) >= 2 {
		if !c.getoptDefault(opt, call.Args[1]) {
			c.errorf(call.Args[1], diag.CodeType, "Second argument to 'getopt' must be a string literal, integer literal, or a boolean literal.")
			return nil
		}
	}
	if len(call.Args) == 3 {
		desc, ok := call.Args[2].(*ast.StrLit)
		if !ok {
			c.errorf(call.Args[2], diag.CodeType, "Function 'getopt' requires the third parameter to be a string literal.")
			return nil
		}
		opt.Desc = desc.Value
	}
	if prev := c.info.optionByName(opt.Name); prev != nil {
		if prev.Kind != opt.Kind || prev.Default != opt.Default {
			c.errorf(call, diag.CodeType, "Command line option '%s' needs to have the same default value in all places it is used. Previous default value: %s", opt.Name, prev.Default)
			return nil
		}
		if opt.Desc != "" && prev.Desc != "" && opt.Desc != prev.Desc {
			c.errorf(call, diag.CodeType, "Command line option '%s' must have the same description in all places it's used.", opt.Name)
			return nil
		}
		if prev.Desc == "" {
			prev.Desc = opt.Desc
		}
		opt = prev
	} else {
		c.resolveOption(opt)
		c.info.Options = append(c.info.Options, opt)
	}
	switch opt.Kind {
	case OptionString:
		c.tab.StrConsts[call] = opt.Str
		return &types.String{Cap: max(len(opt.Str)+1, c.info.StrLen)}
	case OptionBool:
		c.tab.Consts[call] = opt.Int
		return &types.Bool{}
	case OptionUint:
		c.tab.Consts[call] = opt.Int
		return types.Uint64
	}
	c.tab.Consts[call] = opt.Int
	return types.Int64
}

// getoptDefault sets the kind and default of opt from a getopt default
// literal; false when e is not a literal.
func (c *checker) getoptDefault(opt *ProgOption, e ast.Expr) bool {
	switch v := e.(type) {
	case *ast.StrLit:
		opt.Kind, opt.Default = OptionString, v.Value
	case *ast.BoolLit:
		opt.Default = strconv.FormatBool(v.Value)
	case *ast.Ident:
		if v.Name != "true" && v.Name != "false" {
			return false
		}
		opt.Default = v.Name
	case *ast.IntLit:
		opt.Kind, opt.Default = OptionUint, strconv.FormatUint(v.Value, 10)
	case *ast.Unary:
		lit, ok := v.X.(*ast.IntLit)
		if v.Op != "-" || !ok || lit.Value > 1<<63 {
			return false
		}
		opt.Kind, opt.Default = OptionInt, strconv.FormatInt(-int64(lit.Value), 10)
	default:
		return false
	}
	return true
}

// optionByName returns the option declared as name, or nil.
func (info *Info) optionByName(name string) *ProgOption {
	for _, o := range info.Options {
		if o.Name == name {
			return o
		}
	}
	return nil
}

// resolveOption sets the value of opt from the command line, or from its
// default. A value of the wrong type is recorded in Info.OptionError (the
// first one found) and the default is used meanwhile.
func (c *checker) resolveOption(opt *ProgOption) {
	val, given, hasVal := c.namedParam(opt.Name)
	if !given {
		setOption(opt, opt.Default, true)
		return
	}
	if err := setOption(opt, val, hasVal); err != "" {
		if !hasVal {
			val = "true"
		}
		if c.info.OptionError == nil {
			c.info.OptionError = &OptionError{Msg: fmt.Sprintf("program command line option --%s %s (value: %s)", opt.Name, err, val)}
		}
		setOption(opt, opt.Default, true)
	}
}

// setOption sets the value of opt from text (hasVal false for a bare
// --name) and returns what is wrong with it, or "".
func setOption(opt *ProgOption, val string, hasVal bool) string {
	switch opt.Kind {
	case OptionString:
		if !hasVal {
			return "expects a string"
		}
		opt.Str = val
	case OptionBool:
		switch {
		case !hasVal || isTruthy(val):
			opt.Int = 1
		case isFalsy(val):
			opt.Int = 0
		default:
			return "expects a boolean (e.g. 'true')"
		}
	default:
		if !hasVal {
			return "expects an integer"
		}
		n, err := parseOptionInt(val, opt.Kind == OptionInt)
		if err != "" {
			return err
		}
		opt.Int = n
	}
	return ""
}

// namedParam looks name up among the command line's named parameters
// (the last one wins): given reports whether it is there, hasVal whether
// it has a value (--name=value rather than --name).
func (c *checker) namedParam(name string) (val string, given, hasVal bool) {
	for _, p := range c.cfg.NamedParams {
		n, v, eq := strings.Cut(p, "=")
		if n == name {
			val, given, hasVal = v, true, eq
		}
	}
	return val, given, hasVal
}

func isTruthy(s string) bool {
	switch strings.ToLower(s) {
	case "1", "true", "on", "yes":
		return true
	}
	return false
}

func isFalsy(s string) bool {
	switch strings.ToLower(s) {
	case "0", "false", "off", "no":
		return true
	}
	return false
}

// parseOptionInt parses an integer option value as bpftrace does: decimal,
// 0x hex, 0b binary or 0 octal, with _ separators, and for signed options
// an optional minus sign.
func parseOptionInt(s string, signed bool) (int64, string) {
	digits := strings.ReplaceAll(s, "_", "")
	neg := signed && strings.HasPrefix(digits, "-")
	if neg {
		digits = digits[1:]
	}
	base := 10
	switch {
	case len(digits) >= 2 && (digits[:2] == "0x" || digits[:2] == "0X"):
		base, digits = 16, digits[2:]
	case len(digits) >= 2 && (digits[:2] == "0b" || digits[:2] == "0B"):
		base, digits = 2, digits[2:]
	case len(digits) >= 2 && digits[0] == '0':
		base, digits = 8, digits[1:]
	}
	u, err := strconv.ParseUint(digits, base, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, "value is out of range"
		}
		return 0, "invalid integer"
	}
	if !signed {
		return int64(u), ""
	}
	if neg {
		if u > 1<<63 {
			return 0, "value is out of range"
		}
		return -int64(u), ""
	}
	if u > math.MaxInt64 {
		return 0, "value is out of range"
	}
	return int64(u), ""
}

// checkNamedParams reports named parameters of the command line that no
// getopt declares, and --help, which asks for the list of options.
func (c *checker) checkNamedParams() {
	var unexpected []string
	help := false
	for _, p := range c.cfg.NamedParams {
		name, _, _ := strings.Cut(p, "=")
		switch {
		case name == "help":
			help = true
		case c.info.optionByName(name) == nil:
			unexpected = append(unexpected, "--"+name)
		}
	}
	if len(unexpected) == 0 && !help {
		return
	}
	e := &OptionError{}
	if len(unexpected) > 0 {
		e.Msg = "unexpected program command line options: " + strings.Join(unexpected, ", ")
	}
	opts := append([]*ProgOption(nil), c.info.Options...)
	sort.Slice(opts, func(i, j int) bool { return opts[i].Name < opts[j].Name })
	switch {
	case len(opts) == 0:
		e.Hint = "no custom program options defined."
	case help:
		var b strings.Builder
		b.WriteString("expected program options:")
		for _, o := range opts {
			b.WriteString("\n--" + o.Name)
			if o.Desc != "" {
				b.WriteString(": " + o.Desc)
			}
		}
		e.Hint = b.String()
	default:
		names := make([]string, len(opts))
		for i, o := range opts {
			names[i] = "--" + o.Name
		}
		e.Hint = "expected program options: " + strings.Join(names, ": ")
	}
	c.info.OptionError = e
}
