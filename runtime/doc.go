// Package runtime is everything in gobpftrace that touches the kernel.
//
// The compiler (package codegen) produces a kernel-independent
// *codegen.Object: BPF instructions per probe, map specs and an event
// table. This package turns it into running tracing:
//
//   - Host (host.go, format.go, tracefs.go) answers the checker's questions
//     about the machine, lazily and cached: tracepoint names come from
//     tracefs's available_events (one read), record layouts from
//     events/CAT/EVENT/format. tracefs is mounted at /sys/kernel/tracing on
//     first use when it is absent and we are root.
//   - Load (load.go) creates the maps and loads every program through the
//     verifier, then fills the state map (start time, child pid, CPU count).
//     Load reads no kernel BTF and probes nothing itself (cilium/ebpf's own
//     one-time probes cost about 0.3 ms), so a BEGIN-only script loads in
//     well under a millisecond plus the ring buffer allocation (its size,
//     DefaultRingBufSize, follows the CPUs and the string capacity).
//   - Attach (attach.go, perf.go) dispatches on stdlib.ProbeKind through the
//     attachers table. Tracepoints, interval and profile probes are perf
//     events with the program set by ioctl; kprobes and uprobes go through
//     cilium/ebpf's link package. BEGIN and END are not attached but run
//     once with BPF_PROG_TEST_RUN (RunOnce). Two tracepoint forms avoid
//     perf events (the code generator picks them): fused syscall probes
//     are stored in the program array of their raw_syscalls hook, whose
//     dispatcher is attached as a raw tracepoint (fused.go), and probes
//     that do not read their record are raw tracepoints on the
//     tracepoint of their event's name (rawform.go). Quiesce stops every
//     probe at once when tracing ends (results come before detaching);
//     Detach closes every attachment concurrently, since closing a
//     tracepoint's perf event waits for RCU grace periods in the kernel.
//   - EventReader (events.go) drains the ring buffer. Programs submit records
//     without waking user space, so the reader polls with an adaptive period
//     and flushes the output whenever the ring is empty.
//   - ReadMap, ClearMap and ZeroMap (maps.go, bpfsys.go) use the batch map
//     syscalls so that maps with 100k entries are read in a few syscalls.
//   - StartChild (child.go) runs the -c command stopped until the probes are
//     attached: the child starts as a tiny machine-code executable
//     (childstub.go, amd64; elsewhere a re-executed gobpftrace,
//     MaybeRunChildShim) blocked reading a pipe, and execs the command when
//     released. It carries a parent-death SIGKILL; Kill escalates from
//     SIGTERM to SIGKILL after KillGrace.
//
// Errors are wrapped with lower-case context naming the probe or map
// involved; verifier rejections keep the full *ebpf.VerifierError reachable
// with errors.As.
package runtime
