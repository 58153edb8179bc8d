//go:build tamago

package trap

import (
	"runtime"

	arch "github.com/pagoda-os/pagoda/arch/amd64"
	"github.com/pagoda-os/pagoda/boot"
)

// reportBug prints the first part of a kernel-bug report: what the CPU
// says. It runs on the system stack and does not allocate.
func reportBug(f *arch.TrapFrame, cr2 uint64, onG0 bool) {
	var o rawOut
	o.str("\npagoda: KERNEL BUG: ")
	if f.Vector < uint64(len(arch.VectorNames)) {
		o.str(arch.VectorNames[f.Vector])
	}
	o.str(" (vector ")
	o.dec(f.Vector)
	o.str(") at rip ")
	o.hex(f.RIP)
	o.str("\n")
	if f.Vector == arch.VectorPageFault {
		o.str("  error code ")
		o.hex(f.Error)
		o.str(": ")
		if f.Error&arch.PFPresent != 0 {
			o.str("protection violation")
		} else {
			o.str("not present")
		}
		switch {
		case f.Error&arch.PFFetch != 0:
			o.str(", instruction fetch")
		case f.Error&arch.PFWrite != 0:
			o.str(", write")
		default:
			o.str(", read")
		}
		if f.Error&arch.PFUser != 0 {
			o.str(", user")
		} else {
			o.str(", supervisor")
		}
		if f.Error&arch.PFReserved != 0 {
			o.str(", reserved bit set")
		}
		o.str("\n  cr2 ")
		o.hex(cr2)
		o.str("\n")
	} else {
		o.str("  error code ")
		o.hex(f.Error)
		o.str("\n")
	}
	regs := [...]struct {
		name string
		v    uint64
	}{
		{"rax", f.RAX}, {"rbx", f.RBX}, {"rcx", f.RCX}, {"rdx", f.RDX},
		{"rsi", f.RSI}, {"rdi", f.RDI}, {"rbp", f.RBP}, {"rsp", f.RSP},
		{"r8 ", f.R8}, {"r9 ", f.R9}, {"r10", f.R10}, {"r11", f.R11},
		{"r12", f.R12}, {"r13", f.R13}, {"r14", f.R14}, {"r15", f.R15},
		{"rip", f.RIP}, {"rfl", f.RFLAGS}, {"cs ", f.CS}, {"ss ", f.SS},
	}
	for i, r := range regs {
		o.str("  ")
		o.str(r.name)
		o.str(" ")
		o.hex(r.v)
		if i%4 == 3 {
			o.str("\n")
		}
	}
	o.flush()
}

// finishBugReport runs in the faulting goroutine (arch's bug trampoline):
// the faulting function, the instruction, the goroutine's stack; then the
// machine stops with the panic status.
func finishBugReport(addr, code, rip, vector uint64) {
	if fn := runtime.FuncForPC(uintptr(rip)); fn != nil {
		file, line := fn.FileLine(uintptr(rip))
		print("  in ", fn.Name(), "+", hexString(rip-uint64(fn.Entry())), " (", file, ":", line, ")\n")
	}
	if vector != arch.VectorPageFault || code&arch.PFFetch == 0 {
		if text := arch.DisassembleAt(rip); text != "" {
			print("  instruction: ", text, "\n")
		} else {
			print("  instruction: (cannot be read)\n")
		}
	}
	buf := make([]byte, 16<<10)
	buf = buf[:runtime.Stack(buf, false)]
	print("goroutine stack:\n", string(buf), "\n")
	boot.PanicHalt()
}

// hexString is v in hex without leading zeros.
func hexString(v uint64) string {
	const digits = "0123456789abcdef"
	var d [16]byte
	i := len(d)
	for {
		i--
		d[i] = digits[v&15]
		v >>= 4
		if v == 0 {
			break
		}
	}
	return "0x" + string(d[i:])
}

// rawOut formats into a fixed buffer and writes straight to the console:
// printing without allocating, for the system stack.
type rawOut struct {
	buf [256]byte
	n   int
}

func (o *rawOut) str(s string) {
	for i := 0; i < len(s); i++ {
		if o.n == len(o.buf) {
			o.flush()
		}
		o.buf[o.n] = s[i]
		o.n++
	}
}

func (o *rawOut) hex(v uint64) {
	var d [18]byte
	d[0], d[1] = '0', 'x'
	for i := 17; i >= 2; i-- {
		d[i] = "0123456789abcdef"[v&15]
		v >>= 4
	}
	o.str(string(d[:]))
}

func (o *rawOut) dec(v uint64) {
	var d [20]byte
	i := len(d)
	for {
		i--
		d[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	o.str(string(d[i:]))
}

func (o *rawOut) flush() {
	boot.WriteConsole(o.buf[:o.n])
	o.n = 0
}

func rawPrint(s string) {
	var o rawOut
	o.str(s)
	o.flush()
}
