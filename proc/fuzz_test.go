//go:build !tamago

package proc

import (
	"encoding/binary"
	"slices"
	"testing"

	"github.com/pagoda-os/pagoda/abi/linux"
	"github.com/pagoda-os/pagoda/mm"
)

// fuzzCalls are the system calls FuzzSyscall makes: all of the table
// but those that start or replace a program (fork, vfork, clone,
// execve: they need a machine) or sleep for a time (nanosleep).
func fuzzCalls() []uint64 {
	var out []uint64
	for nr, fn := range sysTable {
		nr := uint64(nr)
		if fn == nil {
			continue
		}
		switch nr {
		case sysFork, sysVfork, sysClone, sysExecve, sysNanosleep, sysClockNanosleep:
			continue
		}
		out = append(out, nr)
	}
	slices.Sort(out)
	return out
}

// FuzzSyscall makes sequences of system calls with hostile arguments
// (addresses of the kernel, of nothing, of a buffer's edge; huge and
// negative numbers) and checks that the kernel never panics, that every
// result is a value or an errno Linux has, and that the address space
// can still be torn down with every frame back.
func FuzzSyscall(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13})
	f.Add([]byte("\x09\x00\x02\x03\x22\x00\x00\x0b\x05\x00\x00\x00\x00\x00"))
	calls := fuzzCalls()
	f.Fuzz(func(t *testing.T, data []byte) {
		e := newProcEnv(t, 0x98_0000_0000)
		e.tab.CloseInput() // a console read returns at once
		// A SIGKILL pending (never delivered: no return to ring 3
		// here) makes every call that would sleep for ever return
		// EINTR instead: select or poll with nothing to wait for and
		// no timeout, a pipe's read with its writer open, pause.
		e.p.sig.pending |= sigBit(linux.SIGKILL)
		e.tab.MM.Drain()
		free0 := e.tab.MM.Frames.Stats().FreePages
		buf := e.mmap(4*mm.PageSize, protRW, privateAnon)
		values := []uint64{0, 1, 2, 3, 8, 16, 100, 4096, 1 << 20, ^uint64(0), 1 << 63, 0xffffff9c,
			buf, buf + 8, buf + 3*mm.PageSize - 4, buf + 4*mm.PageSize, 0xf101_0000,
			0xffff_8880_0000_0000, 0xfee0_0000, uint64(stackTop), 0x7fff_ffff_e000,
			linux.PROT_READ | linux.PROT_WRITE, linux.MAP_PRIVATE | linux.MAP_ANONYMOUS,
			linux.MAP_SHARED | linux.MAP_ANONYMOUS | linux.MAP_FIXED}
		for len(data) >= 7 && !e.p.exiting {
			nr := calls[int(data[0])%len(calls)]
			var a [6]uint64
			for i := range a {
				v := values[int(data[1+i])%len(values)]
				if data[1+i]&0x80 != 0 && len(data) >= 15 {
					v = binary.LittleEndian.Uint64(data[7:15])
				}
				a[i] = v
			}
			data = data[7:]
			r := e.call(nr, a[:]...)
			if r < 0 && r >= -4095 && linux.Errno(-r) > 133 {
				t.Fatalf("syscall %d%v = %d: not an errno", nr, a, r)
			}
		}
		e.tab.destroy(e.p.AS)
		e.p.AS = nil
		e.p.files.closeAll()
		e.tab.MM.Drain()
		// Everything back, and the address space's own PML4 too.
		if free := e.tab.MM.Frames.Stats().FreePages; free != free0+1 {
			t.Fatalf("%d frames free after teardown, %d before (and the PML4)", free, free0)
		}
	})
}
