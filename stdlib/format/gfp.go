package format

import "strconv"

// The %gr conversion prints an integer as the kernel's page-allocation
// (GFP) flags, the way the kernel's own tracepoints show them
// (show_gfp_flags): the compound masks first, in the kernel's order
// (include/trace/events/mmflags.h), each taken out of the value when all
// its bits are set, then the single flags, then any bits left in hex.
// The bit numbers are those of include/linux/gfp_types.h (Linux 6.x).

// Bits of the single GFP flags (gfp_types.h).
const (
	gfpDMA = 1 << iota
	gfpHighmem
	gfpDMA32
	gfpMovable
	gfpReclaimable
	gfpHigh
	gfpIO
	gfpFS
	gfpZero
	gfpUnused
	gfpDirectReclaim
	gfpKswapdReclaim
	gfpWrite
	gfpNowarn
	gfpRetryMayfail
	gfpNofail
	gfpNoretry
	gfpMemalloc
	gfpComp
	gfpNomemalloc
	gfpHardwall
	gfpThisnode
	gfpAccount
	gfpZerotags
	gfpSkipZero
	gfpSkipKasan
	gfpNoObjExt
)

// Compound GFP masks (gfp_types.h).
const (
	gfpReclaim         = gfpDirectReclaim | gfpKswapdReclaim
	gfpAtomic          = gfpHigh | gfpKswapdReclaim
	gfpKernel          = gfpReclaim | gfpIO | gfpFS
	gfpKernelAccount   = gfpKernel | gfpAccount
	gfpNowait          = gfpKswapdReclaim | gfpNowarn
	gfpNoIO            = gfpReclaim
	gfpNoFS            = gfpReclaim | gfpIO
	gfpUser            = gfpReclaim | gfpIO | gfpFS | gfpHardwall
	gfpHighuser        = gfpUser | gfpHighmem
	gfpHighuserMovable = gfpHighuser | gfpMovable | gfpSkipKasan
	gfpTranshugeLight  = (gfpHighuserMovable | gfpComp | gfpNomemalloc | gfpNowarn) &^ gfpReclaim
	gfpTranshuge       = gfpTranshugeLight | gfpDirectReclaim
)

// gfpNames are the masks %gr names, in the order they are matched.
var gfpNames = []struct {
	mask uint64
	name string
}{
	{gfpTranshuge, "GFP_TRANSHUGE"},
	{gfpTranshugeLight, "GFP_TRANSHUGE_LIGHT"},
	{gfpHighuserMovable, "GFP_HIGHUSER_MOVABLE"},
	{gfpHighuser, "GFP_HIGHUSER"},
	{gfpUser, "GFP_USER"},
	{gfpKernelAccount, "GFP_KERNEL_ACCOUNT"},
	{gfpKernel, "GFP_KERNEL"},
	{gfpNoFS, "GFP_NOFS"},
	{gfpAtomic, "GFP_ATOMIC"},
	{gfpNoIO, "GFP_NOIO"},
	{gfpNowait, "GFP_NOWAIT"},
	{gfpDMA, "GFP_DMA"},
	{gfpHighmem, "__GFP_HIGHMEM"},
	{gfpDMA32, "GFP_DMA32"},
	{gfpHigh, "__GFP_HIGH"},
	{gfpIO, "__GFP_IO"},
	{gfpFS, "__GFP_FS"},
	{gfpZero, "__GFP_ZERO"},
	{gfpDirectReclaim, "__GFP_DIRECT_RECLAIM"},
	{gfpKswapdReclaim, "__GFP_KSWAPD_RECLAIM"},
	{gfpWrite, "__GFP_WRITE"},
	{gfpNowarn, "__GFP_NOWARN"},
	{gfpRetryMayfail, "__GFP_RETRY_MAYFAIL"},
	{gfpNofail, "__GFP_NOFAIL"},
	{gfpNoretry, "__GFP_NORETRY"},
	{gfpMemalloc, "__GFP_MEMALLOC"},
	{gfpComp, "__GFP_COMP"},
	{gfpNomemalloc, "__GFP_NOMEMALLOC"},
	{gfpHardwall, "__GFP_HARDWALL"},
	{gfpThisnode, "__GFP_THISNODE"},
	{gfpAccount, "__GFP_ACCOUNT"},
	{gfpZerotags, "__GFP_ZEROTAGS"},
	{gfpSkipZero, "__GFP_SKIP_ZERO"},
	{gfpSkipKasan, "__GFP_SKIP_KASAN"},
	{gfpNoObjExt, "__GFP_NO_OBJ_EXT"},
}

// AppendGFP appends the GFP flag names of x joined by '|' ("0" for no
// flags), e.g. "GFP_KERNEL|__GFP_ZERO".
func AppendGFP(dst []byte, x uint64) []byte {
	if x == 0 {
		return append(dst, '0')
	}
	first := true
	sep := func() {
		if !first {
			dst = append(dst, '|')
		}
		first = false
	}
	for _, f := range gfpNames {
		if x&f.mask == f.mask {
			sep()
			dst = append(dst, f.name...)
			x &^= f.mask
		}
	}
	if x != 0 {
		sep()
		dst = append(dst, "0x"...)
		dst = strconv.AppendUint(dst, x, 16)
	}
	return dst
}
