package stdlib

// PerfEvent is an event of the kernel's perf subsystem that software: and
// hardware: probes attach to, as bpftrace lists them: the name, perf's
// short alias, the event's config value (PERF_COUNT_SW_* or
// PERF_COUNT_HW_*) and the sample period used when the probe gives no
// count.
type PerfEvent struct {
	Name, Alias   string
	Config        uint64
	DefaultPeriod uint64
}

// SoftwareEvents are the software: events (type PERF_TYPE_SOFTWARE).
var SoftwareEvents = []PerfEvent{
	{Name: "alignment-faults", Config: 7, DefaultPeriod: 1},
	{Name: "bpf-output", Config: 10, DefaultPeriod: 1},
	{Name: "context-switches", Alias: "cs", Config: 3, DefaultPeriod: 1000},
	{Name: "cpu-clock", Alias: "cpu", Config: 0, DefaultPeriod: 1000000},
	{Name: "cpu-migrations", Config: 4, DefaultPeriod: 1},
	{Name: "dummy", Config: 9, DefaultPeriod: 1},
	{Name: "emulation-faults", Config: 8, DefaultPeriod: 1},
	{Name: "major-faults", Config: 6, DefaultPeriod: 1},
	{Name: "minor-faults", Config: 5, DefaultPeriod: 100},
	{Name: "page-faults", Alias: "faults", Config: 2, DefaultPeriod: 100},
	{Name: "task-clock", Config: 1, DefaultPeriod: 1},
}

// HardwareEvents are the hardware: events (type PERF_TYPE_HARDWARE).
var HardwareEvents = []PerfEvent{
	{Name: "backend-stalls", Config: 8, DefaultPeriod: 1000000},
	{Name: "branch-instructions", Alias: "branches", Config: 4, DefaultPeriod: 100000},
	{Name: "branch-misses", Config: 5, DefaultPeriod: 100000},
	{Name: "bus-cycles", Config: 6, DefaultPeriod: 100000},
	{Name: "cache-misses", Config: 3, DefaultPeriod: 1000000},
	{Name: "cache-references", Config: 2, DefaultPeriod: 1000000},
	{Name: "cpu-cycles", Alias: "cycles", Config: 0, DefaultPeriod: 1000000},
	{Name: "frontend-stalls", Config: 7, DefaultPeriod: 1000000},
	{Name: "instructions", Config: 1, DefaultPeriod: 1000000},
	{Name: "ref-cycles", Config: 9, DefaultPeriod: 1000000},
}

// PerfEvents returns the events of a software: or hardware: probe kind
// (nil for other kinds).
func PerfEvents(kind ProbeKind) []PerfEvent {
	switch kind {
	case Software:
		return SoftwareEvents
	case Hardware:
		return HardwareEvents
	}
	return nil
}

// LookupPerfEvent finds the event of kind by name or alias.
func LookupPerfEvent(kind ProbeKind, name string) (PerfEvent, bool) {
	for _, e := range PerfEvents(kind) {
		if name == e.Name || (e.Alias != "" && name == e.Alias) {
			return e, true
		}
	}
	return PerfEvent{}, false
}
