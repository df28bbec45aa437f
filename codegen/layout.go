package codegen

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/cilium/ebpf/asm"
)

// Jump layout.
//
// The code generator refers to jump targets by symbolic label and lets
// cilium/ebpf's asm resolve them when the program is marshalled. A BPF
// jump's offset is an int16, though, and asm truncates silently: a jump
// over more than 32,767 instructions (the body of an if statement holding
// a large unroll, the guard of a predicate over a long probe) would land
// somewhere else. layoutJumps therefore rewrites, after the final
// instruction order is known, every jump that cannot reach its target
// (measured with the kernel's own rewrites counted in, see growth.go):
//
//   - A conditional jump becomes the inverted condition jumping over one
//     unconditional jump to the target ("if !c goto +1; goto far"). JSet,
//     which has no inverse, jumps to a local unconditional jump instead.
//   - An unconditional jump whose target is the shared epilogue
//     ("r0 = k; exit") gets its own copy of it.
//   - Any other unconditional jump becomes a gotol (BPF_JMP32|BPF_JA with
//     a 32-bit immediate, Linux 6.6) when the kernel has one, and else hops
//     through islands: unconditional jumps placed every 30,000 instructions
//     or less on the way, after an instruction that does not fall through
//     when one is near, otherwise behind a jump over the island. Islands
//     are shared by the jumps that go to the same target.
//
// Each rewrite inserts instructions and may push other jumps out of reach,
// so the pass repeats until every jump fits, then checks the result once
// more. What cannot be laid out (a program over the kernel's size limit)
// is reported as an error, never emitted.

// maxJump is the largest forward distance of an int16 jump offset, in
// raw instruction slots (a backward jump reaches one slot further).
const maxJump = 1<<15 - 1

// islandReach is how far an island is placed from the jump it serves;
// the margin below maxJump absorbs the instructions other rewrites insert
// in the same round.
const islandReach = 30_000

// layoutJumps rewrites the jumps of insns that do not reach their target
// (see above). longJumps, when non-nil, reports whether the kernel
// supports gotol; it is called at most once, and only when a far
// unconditional jump exists.
func layoutJumps(insns asm.Instructions, longJumps func() bool) (asm.Instructions, error) {
	l := &layout{insns: insns, probe: longJumps}
	for round := 0; ; round++ {
		if round > 1000 {
			return nil, fmt.Errorf("branch too far: could not lay out the jumps of %d instructions", l.size())
		}
		changed, err := l.round()
		if err != nil {
			return nil, err
		}
		if !changed {
			break
		}
	}
	if err := checkJumps(l.insns); err != nil {
		return nil, err
	}
	if n := l.size(); n > maxInsns {
		return nil, fmt.Errorf("program too large: %d BPF instructions, the kernel's limit is %d", n, maxInsns)
	}
	return l.insns, nil
}

// layout is the state of layoutJumps.
type layout struct {
	insns asm.Instructions
	// offsets are the raw slot offsets of insns, with one extra entry for
	// the end; reach are the same in reach units (raw slots plus the
	// kernel's growth, see growth.go), which decide whether a jump fits;
	// labels maps each symbol to its index.
	offsets []int
	reach   []int
	labels  map[string]int
	// probe and long are the gotol feature test and its cached answer.
	probe  func() bool
	long   *bool
	nextID int
	// islands lists the island labels of each target label.
	islands map[string][]string
}

// size is the program's length in raw instruction slots.
func (l *layout) size() int {
	n := 0
	for i := range l.insns {
		n += int(l.insns[i].Width())
	}
	return n
}

// index recomputes offsets and labels.
func (l *layout) index() {
	l.offsets = l.offsets[:0]
	l.reach = l.reach[:0]
	if l.labels == nil {
		l.labels = make(map[string]int)
	}
	clear(l.labels)
	off, r := 0, 0
	for i := range l.insns {
		l.offsets = append(l.offsets, off)
		l.reach = append(l.reach, r)
		w := int(l.insns[i].Width())
		off += w
		r += w + kernelGrowth(l.insns[i])
		if sym := l.insns[i].Symbol(); sym != "" {
			l.labels[sym] = i
		}
	}
	l.offsets = append(l.offsets, off)
	l.reach = append(l.reach, r)
}

// useLong reports whether far unconditional jumps may be gotol.
func (l *layout) useLong() bool {
	if l.long == nil {
		v := l.probe != nil && l.probe()
		l.long = &v
	}
	return *l.long
}

// insertion is a run of instructions to insert before insns[at].
type insertion struct {
	at    int
	insns []asm.Instruction
}

// round rewrites every jump that does not fit in the current layout and
// reports whether it changed anything.
func (l *layout) round() (bool, error) {
	l.index()
	var ins []insertion
	// replaced holds the rewritten jumps by index.
	replaced := map[int][]asm.Instruction{}
	pinned := l.pinned()
	for i := range l.insns {
		in := l.insns[i]
		ref, ok := symbolicJump(in)
		if !ok {
			continue
		}
		t, ok := l.labels[ref]
		if !ok {
			return false, fmt.Errorf("jump to unknown label %q", ref)
		}
		d := l.reach[t] - l.reach[i] - 1
		if fitsJump(d) || in.OpCode.Class() == asm.Jump32Class && in.OpCode.JumpOp() == asm.Ja {
			continue
		}
		if epi, ok := l.epilogue(t); ok {
			replaced[i] = inlineEpilogue(in, epi)
			continue
		}
		if in.OpCode.JumpOp() != asm.Ja {
			replaced[i] = invertOverJump(in, ref)
			continue
		}
		if l.useLong() {
			replaced[i] = []asm.Instruction{asm.LongJump(ref).WithMetadata(in.Metadata).WithReference(ref)}
			continue
		}
		label, add, err := l.island(i, t, ref, pinned, ins)
		if err != nil {
			return false, err
		}
		replaced[i] = []asm.Instruction{in.WithReference(label)}
		if add != nil {
			ins = append(ins, *add)
		}
	}
	if len(replaced) == 0 && len(ins) == 0 {
		return false, nil
	}
	l.apply(replaced, ins)
	return true, nil
}

// apply rebuilds insns with the replacements and insertions.
func (l *layout) apply(replaced map[int][]asm.Instruction, ins []insertion) {
	sort.SliceStable(ins, func(a, b int) bool { return ins[a].at < ins[b].at })
	extra := 0
	for _, r := range replaced {
		extra += len(r) - 1
	}
	for _, x := range ins {
		extra += len(x.insns)
	}
	out := make(asm.Instructions, 0, len(l.insns)+extra)
	k := 0
	for i, in := range l.insns {
		for k < len(ins) && ins[k].at == i {
			out = append(out, ins[k].insns...)
			k++
		}
		if r, ok := replaced[i]; ok {
			out = append(out, r...)
		} else {
			out = append(out, in)
		}
	}
	for ; k < len(ins); k++ {
		out = append(out, ins[k].insns...)
	}
	l.insns = out
}

// symbolicJump returns the label of a jump that refers to one (not calls,
// exits or jumps with a literal offset).
func symbolicJump(in asm.Instruction) (string, bool) {
	if !in.OpCode.Class().IsJump() {
		return "", false
	}
	switch in.OpCode.JumpOp() {
	case asm.Call, asm.Exit, asm.InvalidJumpOp:
		return "", false
	}
	ref := in.Reference()
	long := in.OpCode.Class() == asm.Jump32Class && in.OpCode.JumpOp() == asm.Ja
	if ref == "" || !long && in.Offset != -1 || long && in.Constant != -1 {
		return "", false
	}
	return ref, true
}

// fitsJump reports whether a jump offset fits the int16 offset field.
func fitsJump(d int) bool { return d >= -maxJump-1 && d <= maxJump }

// negated is the negation of each conditional jump (JSet has none).
var negated = map[asm.JumpOp]asm.JumpOp{
	asm.JEq: asm.JNE, asm.JNE: asm.JEq,
	asm.JGT: asm.JLE, asm.JLE: asm.JGT,
	asm.JGE: asm.JLT, asm.JLT: asm.JGE,
	asm.JSGT: asm.JSLE, asm.JSLE: asm.JSGT,
	asm.JSGE: asm.JSLT, asm.JSLT: asm.JSGE,
}

// invertOverJump rewrites the far conditional jump in to ref as a short
// jump around an unconditional one.
func invertOverJump(in asm.Instruction, ref string) []asm.Instruction {
	far := asm.Ja.Label(ref)
	if op, ok := negated[in.OpCode.JumpOp()]; ok {
		skip := in.WithReference("")
		skip.OpCode = in.OpCode.SetJumpOp(op)
		skip.Offset = 1
		return []asm.Instruction{skip, far}
	}
	// if c goto +1; goto +1; goto far
	taken := in.WithReference("")
	taken.Offset = 1
	return []asm.Instruction{taken, {OpCode: asm.Ja.Op(asm.ImmSource), Offset: 1}, far}
}

// epilogue reports whether the instruction at index t starts a
// "r0 = k; exit" sequence, and returns it.
func (l *layout) epilogue(t int) ([]asm.Instruction, bool) {
	if t+1 >= len(l.insns) {
		return nil, false
	}
	mov, exit := l.insns[t], l.insns[t+1]
	if mov.OpCode != asm.Mov.Imm(asm.R0, 0).OpCode || mov.Dst != asm.R0 || exit.OpCode.JumpOp() != asm.Exit {
		return nil, false
	}
	return []asm.Instruction{asm.Mov.Imm(asm.R0, int32(mov.Constant)), asm.Return()}, true
}

// inlineEpilogue replaces the far jump in to an epilogue with a copy of
// it, behind the inverted condition when in is conditional.
func inlineEpilogue(in asm.Instruction, epi []asm.Instruction) []asm.Instruction {
	if in.OpCode.JumpOp() == asm.Ja {
		return []asm.Instruction{epi[0].WithMetadata(in.Metadata).WithReference(""), epi[1]}
	}
	if op, ok := negated[in.OpCode.JumpOp()]; ok {
		skip := in.WithReference("")
		skip.OpCode = in.OpCode.SetJumpOp(op)
		skip.Offset = int16(len(epi))
		return append([]asm.Instruction{skip}, epi...)
	}
	taken := in.WithReference("")
	taken.Offset = 1
	skip := asm.Instruction{OpCode: asm.Ja.Op(asm.ImmSource), Offset: int16(len(epi))}
	return append([]asm.Instruction{taken, skip}, epi...)
}

// pinned marks the indices an instruction may not be inserted before:
// those inside the span of a jump with a literal offset (a forward jump
// pins the instructions after it up to its target, a backward one those
// after its target up to itself).
func (l *layout) pinned() []bool {
	p := make([]bool, len(l.insns)+1)
	for i, in := range l.insns {
		if !in.OpCode.Class().IsJump() || in.Reference() != "" {
			continue
		}
		switch in.OpCode.JumpOp() {
		case asm.Call, asm.Exit, asm.InvalidJumpOp:
			continue
		}
		target := l.offsets[i] + 1 + int(in.Offset)
		if target > l.offsets[i] {
			for j := i + 1; j < len(l.insns) && l.offsets[j] <= target; j++ {
				p[j] = true
			}
			continue
		}
		for j := i; j > 0 && l.offsets[j] > target; j-- {
			p[j] = true
		}
	}
	return p
}

// island returns the label of an island on the way from the far
// unconditional jump at index i to index t (label ref), reusing one when
// in reach, and else the insertion that creates it.
func (l *layout) island(i, t int, ref string, pinned []bool, pending []insertion) (string, *insertion, error) {
	from, to := l.reach[i], l.reach[t]
	dist := abs(to - from)
	best, bestDist := "", dist
	for _, name := range l.islands[ref] {
		at, ok := l.labels[name]
		if !ok {
			continue
		}
		if d := l.reach[at] - from - 1; fitsJump(d) && abs(to-l.reach[at]) < bestDist {
			best, bestDist = name, abs(to-l.reach[at])
		}
	}
	for _, x := range pending {
		if name := x.insns[len(x.insns)-1].Symbol(); l.islandOf(name) == ref {
			if d := l.reach[x.at] - from - 1; abs(d) <= islandReach && abs(to-l.reach[x.at]) < bestDist {
				best, bestDist = name, abs(to-l.reach[x.at])
			}
		}
	}
	if best != "" && bestDist < dist-islandReach/2 {
		return best, nil, nil
	}
	at, fallsThrough, ok := l.islandSpot(i, t, pinned)
	if !ok {
		return "", nil, fmt.Errorf("branch too far: no place for a jump island between instructions %d and %d", from, to)
	}
	l.nextID++
	name := fmt.Sprintf("island_%d", l.nextID)
	for _, taken := l.labels[name]; taken; _, taken = l.labels[name] {
		l.nextID++
		name = fmt.Sprintf("island_%d", l.nextID)
	}
	if l.islands == nil {
		l.islands = map[string][]string{}
	}
	l.islands[ref] = append(l.islands[ref], name)
	hop := asm.Ja.Label(ref).WithSymbol(name)
	x := &insertion{at: at, insns: []asm.Instruction{hop}}
	if fallsThrough {
		x.insns = []asm.Instruction{{OpCode: asm.Ja.Op(asm.ImmSource), Offset: 1}, hop}
	}
	return name, x, nil
}

// islandOf returns the target of the island named name.
func (l *layout) islandOf(name string) string {
	for ref, names := range l.islands {
		for _, n := range names {
			if n == name {
				return ref
			}
		}
	}
	return ""
}

// islandSpot chooses where to insert an island for the jump at index i
// to index t: before an index between the two, at most islandReach reach
// units away, as close to t as possible, preferably right after an instruction
// that does not fall through. fallsThrough reports that the island needs
// a jump around it.
func (l *layout) islandSpot(i, t int, pinned []bool) (at int, fallsThrough, ok bool) {
	from := l.reach[i]
	lo, hi, step := i+1, t, 1
	if t < i {
		lo, hi, step = i, t+1, -1
	}
	preferred, fallback := -1, -1
	for j := lo; j >= 1 && j < len(l.insns) && (j-hi)*step <= 0 && abs(l.reach[j]-from) <= islandReach; j += step {
		if pinned[j] {
			continue
		}
		fallback = j
		if abs(l.reach[j]-from) >= islandReach/2 && !fallsInto(l.insns[j-1]) {
			preferred = j
		}
	}
	switch {
	case preferred >= 0:
		return preferred, false, true
	case fallback >= 0:
		return fallback, fallsInto(l.insns[fallback-1]), true
	}
	return 0, false, false
}

// fallsInto reports whether execution can continue from in to the next
// instruction.
func fallsInto(in asm.Instruction) bool {
	if !in.OpCode.Class().IsJump() {
		return true
	}
	switch in.OpCode.JumpOp() {
	case asm.Exit:
		return false
	case asm.Ja:
		return false
	}
	return true
}

// checkJumps verifies that every symbolic jump of insns reaches its
// target with the offset it will be encoded with.
func checkJumps(insns asm.Instructions) error {
	labels := map[string]int{}
	off := 0
	offsets := make([]int, len(insns))
	for i := range insns {
		offsets[i] = off
		off += int(insns[i].Width())
		if sym := insns[i].Symbol(); sym != "" {
			labels[sym] = offsets[i]
		}
	}
	for i, in := range insns {
		ref, ok := symbolicJump(in)
		if !ok {
			continue
		}
		t, ok := labels[ref]
		if !ok {
			return fmt.Errorf("jump to unknown label %q", ref)
		}
		if d := t - offsets[i] - 1; !fitsJump(d) && (in.OpCode.Class() != asm.Jump32Class || in.OpCode.JumpOp() != asm.Ja) {
			return fmt.Errorf("branch too far: a jump over %d instructions (the limit is %d)", d, maxJump)
		}
	}
	return nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// CheckJumps encodes insns as the loader does and reports the first jump
// whose encoded offset does not lead to the instruction its label names
// (a wrapped or stale offset). It is pure: tests and fuzzers use it on
// compiled programs.
func CheckJumps(insns asm.Instructions) error {
	cp := make(asm.Instructions, len(insns))
	copy(cp, insns)
	var buf bytes.Buffer
	if err := cp.Marshal(&buf, binary.LittleEndian); err != nil {
		return fmt.Errorf("encoding the program: %w", err)
	}
	raw := buf.Bytes()
	labels := map[string]int{}
	offsets := make([]int, len(insns))
	off := 0
	for i := range insns {
		offsets[i] = off
		off += int(insns[i].Width())
		if sym := insns[i].Symbol(); sym != "" {
			labels[sym] = off - int(insns[i].Width())
		}
	}
	for i, in := range insns {
		ref, ok := symbolicJump(in)
		if !ok {
			continue
		}
		slot := raw[offsets[i]*asm.InstructionSize:]
		got := int(int16(binary.LittleEndian.Uint16(slot[2:4])))
		if in.OpCode.Class() == asm.Jump32Class && in.OpCode.JumpOp() == asm.Ja {
			got = int(int32(binary.LittleEndian.Uint32(slot[4:8])))
		}
		if want := labels[ref] - offsets[i] - 1; got != want {
			return fmt.Errorf("instruction %d (%v) is encoded to jump %+d, but its label %q is %+d away", offsets[i], in, got, ref, want)
		}
	}
	return nil
}
