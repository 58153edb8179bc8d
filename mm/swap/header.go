package swap

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// PageSize is the swap page size: the header's size, and a slot's.
const PageSize = 4096

// Errors of the header parser.
var (
	ErrNoSwap  = errors.New("swap: not a swap area (no SWAPSPACE2 signature)")
	ErrOldSwap = errors.New("swap: old-style swap area (SWAP-SPACE, version 0): run mkswap again")
	ErrVersion = errors.New("swap: unsupported swap header version")
	ErrHeader  = errors.New("swap: malformed swap header")
)

// Offsets in the header page (union swap_header's info block).
const (
	bootBits      = 1024
	offVersion    = bootBits      // __u32 version
	offLastPage   = bootBits + 4  // __u32 last_page
	offNrBad      = bootBits + 8  // __u32 nr_badpages
	offUUID       = bootBits + 12 // unsigned char sws_uuid[16]
	offLabel      = bootBits + 28 // char sws_volume[16]
	offBadPages   = bootBits + 44 + 117*4
	magicLen      = 10
	maxBadPages   = (PageSize - offBadPages - magicLen) / 4 // Linux MAX_SWAP_BADPAGES
	magicV2       = "SWAPSPACE2"
	magicV0       = "SWAP-SPACE"
	headerVersion = 1
)

// Header is a parsed swap header.
type Header struct {
	LastPage uint32   // the last page of the area that may hold a slot
	BadPages []uint32 // pages never used, sorted
	UUID     [16]byte
	Label    string
}

// Slots is the number of usable slots: pages 1..LastPage less the bad
// ones.
func (h *Header) Slots() uint64 { return uint64(h.LastPage) - uint64(len(h.BadPages)) }

// UUIDString formats the UUID as mkswap prints it.
func (h *Header) UUIDString() string {
	u := h.UUID
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// ParseHeader reads the header page of a device of devSize bytes (as
// Linux read_swap_header): the signature, version 1, a last page inside
// the device, and a bad-page list that fits and names pages of the area.
func ParseHeader(page []byte, devSize int64) (Header, error) {
	if len(page) < PageSize {
		return Header{}, fmt.Errorf("%w: %d bytes, want a %d-byte page", ErrHeader, len(page), PageSize)
	}
	switch string(page[PageSize-magicLen : PageSize]) {
	case magicV2:
	case magicV0:
		return Header{}, ErrOldSwap
	default:
		return Header{}, ErrNoSwap
	}
	le := binary.LittleEndian
	if v := le.Uint32(page[offVersion:]); v != headerVersion {
		return Header{}, fmt.Errorf("%w: %d (only 1)", ErrVersion, v)
	}
	h := Header{LastPage: le.Uint32(page[offLastPage:])}
	if h.LastPage == 0 {
		return Header{}, fmt.Errorf("%w: the area has no page besides its header", ErrHeader)
	}
	if devPages := devSize / PageSize; int64(h.LastPage) >= devPages {
		return Header{}, fmt.Errorf("%w: last page %d is beyond the device (%d pages)", ErrHeader, h.LastPage, devPages)
	}
	nbad := le.Uint32(page[offNrBad:])
	if nbad > maxBadPages {
		return Header{}, fmt.Errorf("%w: %d bad pages listed, at most %d fit", ErrHeader, nbad, maxBadPages)
	}
	for i := range nbad {
		b := le.Uint32(page[offBadPages+4*int(i):])
		if b == 0 || b > h.LastPage {
			return Header{}, fmt.Errorf("%w: bad page %d outside 1..%d", ErrHeader, b, h.LastPage)
		}
		h.BadPages = append(h.BadPages, b)
	}
	slices.Sort(h.BadPages)
	h.BadPages = slices.Compact(h.BadPages)
	copy(h.UUID[:], page[offUUID:offUUID+16])
	label := page[offLabel : offLabel+16]
	if i := bytes.IndexByte(label, 0); i >= 0 {
		label = label[:i]
	}
	h.Label = string(label)
	return h, nil
}
