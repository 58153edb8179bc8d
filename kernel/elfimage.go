package kernel

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/pagoda-os/pagoda/mm"
)

// Segment is a loadable segment of the kernel image (ELF PT_LOAD).
type Segment struct {
	Start, End mm.VirtAddr // linked (virtual) addresses, page-rounded outward
	Write      bool        // PF_W
	Exec       bool        // PF_X
}

// ErrELF reports a kernel image whose headers do not parse.
var ErrELF = errors.New("kernel: malformed ELF image")

// ELF64 header and program header offsets (System V gABI, "ELF Header",
// "Program Header").
const (
	ehdrSize    = 64
	ePhoff      = 0x20
	ePhentsize  = 0x36
	ePhnum      = 0x38
	phdrSize    = 56
	pType       = 0
	pFlags      = 4
	pVaddr      = 16
	pMemsz      = 40
	ptLoad      = 1
	pfX         = 1
	pfW         = 2
	maxSegments = 16
)

// ParseSegments reads the PT_LOAD segments from an ELF64 little-endian
// image's headers: hdr holds the file from offset 0, at least up to the
// end of the program header table.
func ParseSegments(hdr []byte) ([]Segment, error) {
	if len(hdr) < ehdrSize || string(hdr[:4]) != "\x7fELF" || hdr[4] != 2 || hdr[5] != 1 {
		return nil, fmt.Errorf("%w: not an ELF64 little-endian header", ErrELF)
	}
	le := binary.LittleEndian
	off, size, n := le.Uint64(hdr[ePhoff:]), le.Uint16(hdr[ePhentsize:]), le.Uint16(hdr[ePhnum:])
	if size != phdrSize || n == 0 || n > maxSegments*4 || off > uint64(len(hdr)) || uint64(len(hdr))-off < uint64(n)*phdrSize {
		return nil, fmt.Errorf("%w: program headers (offset %d, %d of %d bytes)", ErrELF, off, n, size)
	}
	var segs []Segment
	for i := range uint64(n) {
		ph := hdr[off+i*phdrSize:]
		if le.Uint32(ph[pType:]) != ptLoad {
			continue
		}
		va, memsz := le.Uint64(ph[pVaddr:]), le.Uint64(ph[pMemsz:])
		end := va + memsz
		if memsz == 0 || end < va || end > 1<<47 {
			return nil, fmt.Errorf("%w: segment %d at %#x size %#x", ErrELF, i, va, memsz)
		}
		flags := le.Uint32(ph[pFlags:])
		segs = append(segs, Segment{
			Start: mm.VirtAddr(va &^ mm.PageMask),
			End:   mm.VirtAddr((end + mm.PageMask) &^ mm.PageMask),
			Write: flags&pfW != 0,
			Exec:  flags&pfX != 0,
		})
		if len(segs) > maxSegments {
			return nil, fmt.Errorf("%w: more than %d segments", ErrELF, maxSegments)
		}
	}
	for i := range segs {
		for j := range i {
			if segs[i].Start < segs[j].End && segs[j].Start < segs[i].End {
				return nil, fmt.Errorf("%w: segments %v and %v share a page", ErrELF, segs[j], segs[i])
			}
		}
		if segs[i].Write && segs[i].Exec {
			return nil, fmt.Errorf("%w: a segment is writable and executable", ErrELF)
		}
	}
	if len(segs) == 0 {
		return nil, fmt.Errorf("%w: no loadable segment", ErrELF)
	}
	return segs, nil
}
