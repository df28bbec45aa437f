package codegen

// valueGoldens are the golden constructs of aggregate values (structs,
// arrays, tuples and records as values; see aggregate_values.go). Program
// memory stands in for probed memory: a pointer to a variable is read as
// a struct.
var valueGoldens = []GoldenCase{
	{"value_struct", `struct Foo { int m; int n; } BEGIN { $v = (uint64)0x300000002; $s = *(struct Foo *)&$v; @s = $s; @k[$s, 1] = 1; @t = (1, $s); print($s.n + @s.m + @t.1.n); print($s == @s); }`},
	{"value_array", `struct A { int x[4]; int y[2][2]; } BEGIN { $m = ((int32)1, (int32)2, (int32)3, (int32)4, (int32)5, (int32)6, (int32)7, (int32)8); $a = (struct A *)&$m; $x = $a->x; @x[$x] = 1; $y = $a->y; $i = 1; print(($x[3], $y[1][0], $a->y[1][1], $x[$i], $a->x == $x)); }`},
	{"value_record", `BEGIN { $r = (a=1, b="x"); $r = (b="yz", a=2); @r[$r] = (c=$r.a, d=(1, 2)); print($r == (a=2, b="yz")); }`},
	{"value_cast", `BEGIN { print(((int8[8])12345)[0]); print((int8[])"hi"); print((uint32)pton("127.0.0.1")); $t = (1, 2, 3); print($t[1 + 1]); }`},
}

func init() { GoldenCases = append(GoldenCases, valueGoldens...) }
