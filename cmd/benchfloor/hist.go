package main

import (
	"bufio"
	"fmt"
	"strings"
)

// histBarWidth is the width of a histogram's bars, in characters.
const histBarWidth = 52

// writeHist prints the log2 histogram name in bpftrace's layout: a
// "name: " line, then one row per bucket from the first to the last that
// holds something, each bar scaled to the largest bucket, and an empty
// line. Bucket 0 counts negative values, 1 zero, and b ≥ 2 the values in
// [2^(b-2), 2^(b-1)).
func writeHist(w *bufio.Writer, name string, buckets []uint64) {
	fmt.Fprintf(w, "%s: \n", name)
	first, last, top := -1, -1, uint64(0)
	for i, n := range buckets {
		if n == 0 {
			continue
		}
		if first < 0 {
			first = i
		}
		last = i
		top = max(top, n)
	}
	for i := first; first >= 0 && i <= last; i++ {
		bar := int(buckets[i] * histBarWidth / top)
		fmt.Fprintf(w, "%-16s%8d |%s%s|\n", bucketLabel(i), buckets[i],
			strings.Repeat("@", bar), strings.Repeat(" ", histBarWidth-bar))
	}
	w.WriteString("\n")
}

// bucketLabel is the row label of log2 bucket b.
func bucketLabel(b int) string {
	switch b {
	case 0:
		return "(..., 0)"
	case 1:
		return "[0]"
	case 2:
		return "[1]"
	}
	return "[" + powerOfTwo(b-2) + ", " + powerOfTwo(b-1) + ")"
}

// powerOfTwo writes 2^p with the largest binary unit suffix (K = 2^10 …
// E = 2^60) that leaves an integer.
func powerOfTwo(p int) string {
	const units = " KMGTPE"
	u := min(p/10, len(units)-1)
	s := fmt.Sprint(uint64(1) << (p - 10*u))
	if u > 0 {
		s += units[u : u+1]
	}
	return s
}
