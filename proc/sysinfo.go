package proc

import (
	"encoding/binary"

	"github.com/pagoda-os/pagoda/abi/linux"
	"github.com/pagoda-os/pagoda/mm/pagecache"
)

func init() {
	register(sysSysinfo, sysSysinfoFn)
}

// sysSysinfoFn is sysinfo(2), as Linux's do_sysinfo on x86-64: struct
// sysinfo (112 bytes: uptime, loads[3], totalram, freeram, sharedram,
// bufferram, totalswap, freeswap, procs (u16), totalhigh, freehigh,
// mem_unit (u32)) with the sizes in bytes and mem_unit 1, as do_sysinfo
// leaves them when they fit in an unsigned long. The figures are
// /proc/meminfo's (MemTotal, MemFree, Shmem, SwapTotal, SwapFree), which
// busybox free sets beside the file's Cached and MemAvailable. Pagoda
// has no buffer cache (bufferram 0) and computes no load average.
func sysSysinfoFn(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
	var cache *pagecache.Cache
	if t.VFS != nil {
		cache = t.VFS.Cache
	}
	mi := t.MM.Meminfo(t.MemTotal, cache)
	b := make([]byte, 112)
	le := binary.LittleEndian
	le.PutUint64(b[0:], t.uptime()/100)
	le.PutUint64(b[32:], mi.MemTotal)
	le.PutUint64(b[40:], mi.MemFree)
	le.PutUint64(b[48:], mi.Shmem)
	le.PutUint64(b[64:], mi.SwapTotal)
	le.PutUint64(b[72:], mi.SwapFree)
	le.PutUint16(b[80:], uint16(min(len(t.procs), 0xffff)))
	le.PutUint32(b[104:], 1)
	return 0, t.mem(p).copyOut(a[0], b)
}
