package swap

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// mkswap makes a swap area of size bytes with Debian's mkswap and returns
// its first page.
func mkswap(t *testing.T, size int64, args ...string) []byte {
	t.Helper()
	tool, err := exec.LookPath("mkswap")
	if err != nil {
		tool = "/usr/sbin/mkswap"
		if _, err := os.Stat(tool); err != nil {
			t.Skip("mkswap not installed")
		}
	}
	p := filepath.Join(t.TempDir(), "swap.img")
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, size); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(tool, append(args, p)...).CombinedOutput(); err != nil {
		t.Fatalf("mkswap: %v\n%s", err, out)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b[:PageSize]
}

func TestParseMkswap(t *testing.T) {
	page := mkswap(t, 8<<20, "-L", "pagoda", "-U", "078d19d4-a5d0-40f8-9812-60eaf6e77165")
	h, err := ParseHeader(page, 8<<20)
	if err != nil {
		t.Fatal(err)
	}
	if h.LastPage != 8<<20/PageSize-1 || h.Slots() != uint64(h.LastPage) || len(h.BadPages) != 0 {
		t.Errorf("header %+v", h)
	}
	if h.Label != "pagoda" || h.UUIDString() != "078d19d4-a5d0-40f8-9812-60eaf6e77165" {
		t.Errorf("label %q uuid %s", h.Label, h.UUIDString())
	}
	// A device smaller than the header says is refused.
	if _, err := ParseHeader(page, 4<<20); !errors.Is(err, ErrHeader) {
		t.Errorf("small device: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	good := mkswap(t, 1<<20)
	le := binary.LittleEndian
	for _, tc := range []struct {
		name string
		edit func(p []byte)
		want error
	}{
		{"no signature", func(p []byte) { copy(p[PageSize-10:], "ANYTHING!!") }, ErrNoSwap},
		{"version 0 signature", func(p []byte) { copy(p[PageSize-10:], magicV0) }, ErrOldSwap},
		{"version 2", func(p []byte) { le.PutUint32(p[offVersion:], 2) }, ErrVersion},
		{"byte-swapped", func(p []byte) { binary.BigEndian.PutUint32(p[offVersion:], 1) }, ErrVersion},
		{"no pages", func(p []byte) { le.PutUint32(p[offLastPage:], 0) }, ErrHeader},
		// Pages are numbered from 0, the header's: the device's 256
		// pages end at page 255.
		{"last page the device's last", func(p []byte) { le.PutUint32(p[offLastPage:], 1<<20/PageSize-1) }, nil},
		{"last page one past the device", func(p []byte) { le.PutUint32(p[offLastPage:], 1<<20/PageSize) }, ErrHeader},
		{"last page far past the device", func(p []byte) { le.PutUint32(p[offLastPage:], 1<<20) }, ErrHeader},
		{"too many bad pages", func(p []byte) { le.PutUint32(p[offNrBad:], maxBadPages+1) }, ErrHeader},
		{"bad page 0", func(p []byte) { le.PutUint32(p[offNrBad:], 1) }, ErrHeader},
		{"bad page past the end", func(p []byte) {
			le.PutUint32(p[offNrBad:], 1)
			le.PutUint32(p[offBadPages:], 1000)
		}, ErrHeader},
	} {
		p := bytes.Clone(good)
		tc.edit(p)
		if _, err := ParseHeader(p, 1<<20); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := ParseHeader(good[:100], 1<<20); !errors.Is(err, ErrHeader) {
		t.Errorf("short page: %v", err)
	}
	// Bad pages are honoured, sorted and deduplicated.
	p := bytes.Clone(good)
	le.PutUint32(p[offNrBad:], 3)
	for i, b := range []uint32{9, 3, 9} {
		le.PutUint32(p[offBadPages+4*i:], b)
	}
	h, err := ParseHeader(p, 1<<20)
	if err != nil || len(h.BadPages) != 2 || h.BadPages[0] != 3 || h.Slots() != uint64(h.LastPage)-2 {
		t.Errorf("bad pages: %+v %v", h, err)
	}
}

func FuzzParseHeader(f *testing.F) {
	f.Add(make([]byte, PageSize), int64(1<<20))
	p := make([]byte, PageSize)
	copy(p[PageSize-10:], magicV2)
	binary.LittleEndian.PutUint32(p[offVersion:], 1)
	binary.LittleEndian.PutUint32(p[offLastPage:], 255)
	f.Add(p, int64(1<<20))
	f.Fuzz(func(t *testing.T, page []byte, size int64) {
		h, err := ParseHeader(page, size)
		if err != nil {
			return
		}
		if h.LastPage == 0 || int64(h.LastPage) >= size/PageSize || h.Slots() > uint64(h.LastPage) {
			t.Fatalf("accepted %+v for a %d-byte device", h, size)
		}
		for _, b := range h.BadPages {
			if b == 0 || b > h.LastPage {
				t.Fatalf("bad page %d accepted", b)
			}
		}
	})
}
