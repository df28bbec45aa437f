// Package runtime is everything in gobpftrace that touches the kernel.
//
// The compiler (package codegen) produces a kernel-independent
// *codegen.Object: BPF instructions per probe, map specs and an event
// table. This package turns it into running tracing:
//
//   - Host (host.go, tracefs.go) answers the checker's questions about the
//     machine, lazily: tracepoint names and record layouts come from tracefs,
//     which is mounted at /sys/kernel/tracing on first use when it is absent
//     and we are root.
//   - Load (load.go) creates the maps and loads every program through the
//     verifier, then fills the state map (start time, child pid, CPU count).
//     Nothing else is probed: no kernel BTF is read and no feature probes run
//     unless a program needs them, so a BEGIN-only script loads in about a
//     millisecond.
//   - Attach (attach.go) dispatches on stdlib.ProbeKind through the attachers
//     table. Tracepoints, interval and profile probes are perf events with the
//     program set by ioctl (no bpf_link feature probe); BEGIN and END are not
//     attached but run once with BPF_PROG_TEST_RUN (RunOnce). Detach closes
//     every attachment concurrently, since each close waits for an RCU grace
//     period in the kernel.
//   - EventReader (events.go) drains the ring buffer. Programs submit records
//     without waking user space, so the reader polls with an adaptive period
//     and flushes the output whenever the ring is empty.
//   - ReadMap, ClearMap and ZeroMap (maps.go, bpfsys.go) use the batch map
//     syscalls so that maps with 100k entries are read in a few syscalls.
//   - StartChild (child.go) runs the -c command stopped until the probes are
//     attached, by re-executing this binary as a small shim
//     (MaybeRunChildShim) that waits on a pipe before exec'ing the command.
//
// Errors are wrapped with lower-case context naming the probe or map
// involved; verifier rejections keep the full *ebpf.VerifierError reachable
// with errors.As.
package runtime
