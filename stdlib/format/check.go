package format

import (
	"strconv"

	"github.com/gobpftrace/gobpftrace/lang/types"
)

// Accepts reports whether a value of type t may be passed to v.
//
//   - integer conversions (d i u x X o c p, and gr) take integers,
//     booleans and pointers;
//   - %s takes every printable value except integers, booleans and
//     pointers: strings, symbols, stacks, addresses (inet), probe names,
//     timestamps, strerror values, buffers, tuples, arrays and records;
//   - %r, %rx and %rh take buffers only.
func (v *Verb) Accepts(t types.Type) bool {
	switch v.Conv {
	case 'd', 'i', 'u', 'x', 'X', 'o', 'c', 'p', 'g':
		return isInteger(t)
	case 'r':
		_, ok := t.(*types.Buffer)
		return ok
	case 's':
		switch t.(type) {
		case *types.Int, *types.Bool, *types.Pointer, *types.Void, *types.Agg, *types.Ctx:
			return false
		}
		return t != nil
	}
	return false
}

func isInteger(t types.Type) bool {
	switch t.(type) {
	case *types.Int, *types.Bool, *types.Pointer, *types.Enum:
		return true
	}
	return false
}

// Expects returns the name of the type class v requires, as bpftrace
// prints it in diagnostics: "integer", "string" or "buffer".
func (v *Verb) Expects() string {
	switch v.Conv {
	case 's':
		return "string"
	case 'r':
		return "buffer"
	}
	return "integer"
}

// TypeError returns the diagnostic for passing a value of type t to v in
// function fn, e.g.
//
//	printf: %d specifier expects a value of type integer (string supplied)
func (v *Verb) TypeError(fn string, t types.Type) string {
	return fn + ": %" + v.Spec() + " specifier expects a value of type " +
		v.Expects() + " (" + TypeName(t) + " supplied)"
}

// CountError returns the diagnostic for a wrong number of arguments, e.g.
//
//	printf: Too many arguments for format string (1 supplied, 0 expected)
//
// It returns "" when supplied == expected.
func CountError(fn string, supplied, expected int) string {
	var what string
	switch {
	case supplied > expected:
		what = "Too many"
	case supplied < expected:
		what = "Not enough"
	default:
		return ""
	}
	return fn + ": " + what + " arguments for format string (" +
		strconv.Itoa(supplied) + " supplied, " + strconv.Itoa(expected) + " expected)"
}

// TypeName is the short type-class name bpftrace uses in printf
// diagnostics ("integer", "string", "kstack", …).
func TypeName(t types.Type) string {
	switch t := t.(type) {
	case nil:
		return "none"
	case *types.Int:
		return "integer"
	case *types.Bool:
		return "bool"
	case *types.String:
		return "string"
	case *types.Buffer:
		return "buffer"
	case *types.Pointer:
		return "pointer"
	case *types.Array:
		return "array"
	case *types.Struct, *types.Record:
		return "record"
	case *types.Tuple:
		return "tuple"
	case *types.Void:
		return "none"
	case *types.Agg:
		return t.Kind.String()
	case *types.Ctx:
		return "ctx"
	}
	return t.String()
}
