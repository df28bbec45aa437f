package macro

import (
	"reflect"

	"github.com/gobpftrace/gobpftrace/lang/ast"
	"github.com/gobpftrace/gobpftrace/lang/diag"
)

// clone returns a deep copy of the syntax tree n: every expansion of a
// macro gets a body of its own, so the checker's side tables (keyed by
// node) keep the expansions apart. It adds the number of nodes copied to
// *count.
func clone[N ast.Node](n N, count *int) N {
	return deepCopy(reflect.ValueOf(n), count).Interface().(N)
}

func deepCopy(v reflect.Value, count *int) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		*count++
		p := reflect.New(v.Elem().Type())
		p.Elem().Set(deepCopy(v.Elem(), count))
		return p
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		out := reflect.New(v.Type()).Elem()
		out.Set(deepCopy(v.Elem(), count))
		return out
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := 0; i < v.Len(); i++ {
			out.Index(i).Set(deepCopy(v.Index(i), count))
		}
		return out
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		out.Set(v) // unexported fields and plain values
		for i := 0; i < v.NumField(); i++ {
			if out.Field(i).CanSet() {
				out.Field(i).Set(deepCopy(v.Field(i), count))
			}
		}
		return out
	}
	return v
}

// shiftSpans moves every span in the tree n by base bytes: the standard
// library is parsed on its own and then placed after the script in the
// diag.Source (see diag.Source.Include).
func shiftSpans(n ast.Node, base int) {
	shift(reflect.ValueOf(n), base)
}

var spanType = reflect.TypeOf(diag.Span{})

func shift(v reflect.Value, base int) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			shift(v.Elem(), base)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			shift(v.Index(i), base)
		}
	case reflect.Struct:
		if v.Type() == spanType {
			if v.CanSet() {
				s := v.Interface().(diag.Span)
				s.Start += base
				s.End += base
				v.Set(reflect.ValueOf(s))
			}
			return
		}
		for i := 0; i < v.NumField(); i++ {
			shift(v.Field(i), base)
		}
	}
}
