//go:build !tamago

package pagetable_test

import (
	"errors"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/pagetable"
)

// Share and Unshare: a user table reaches the owner's pages in the shared
// range (a 2 MiB page and a 4 KiB one under the owner's page table), its
// own mappings beside them in the same page directory stay its own, and
// Unshare frees exactly the tables Share made, none of the owner's.
func TestShare(t *testing.T) {
	owner := newEnv(t)
	const start, end mm.VirtAddr = 0xf000_0000, 0xf040_0000 // two PDEs
	big := owner.frame(pagetable.Size2M)
	small := owner.frame(pagetable.Size4K)
	if err := owner.pt.Map(start, big, pagetable.Size2M, pagetable.Writable); err != nil {
		t.Fatal(err)
	}
	if err := owner.pt.Map(start+0x20_1000, small, pagetable.Size4K, 0); err != nil {
		t.Fatal(err)
	}
	u, err := pagetable.New(owner.src)
	if err != nil {
		t.Fatal(err)
	}
	live := owner.src.Live()
	if err := u.Share(owner.pt.Root(), start, end); err != nil {
		t.Fatal(err)
	}
	if got := owner.src.Live() - live; got != 2 {
		t.Errorf("Share made %d tables, want 2 (a PDPT and a PD)", got)
	}
	for va, want := range map[mm.VirtAddr]mm.PhysAddr{start + 0x1234: big + 0x1234, start + 0x20_1008: small + 8} {
		if pa, e, ok := u.Translate(va); !ok || pa != want || e&pagetable.User != 0 {
			t.Errorf("shared %v translates to %v (%#x, %v), want %v supervisor", va, pa, uint64(e), ok, want)
		}
	}
	// A user page beside the shared range, in the same page directory.
	userPage := owner.frame(pagetable.Size4K)
	if err := u.Map(end, userPage, pagetable.Size4K, pagetable.User|pagetable.Writable); err != nil {
		t.Fatal(err)
	}
	if pa, _, ok := u.Translate(start); !ok || pa != big {
		t.Errorf("the shared range changed under a user mapping beside it: %v %v", pa, ok)
	}
	if _, _, ok := owner.pt.Translate(end); ok {
		t.Error("a user mapping of the sharing table reached the owner's")
	}
	if _, err := u.Unmap(end, pagetable.Size4K); err != nil {
		t.Fatal(err)
	}
	if err := u.Share(owner.pt.Root(), start, end); !errors.Is(err, pagetable.ErrExists) {
		t.Errorf("Share twice: %v, want ErrExists", err)
	}
	if err := u.Unshare(start, end); err != nil {
		t.Fatal(err)
	}
	if owner.src.Live() != live {
		t.Errorf("%d tables live after Unshare, want %d", owner.src.Live(), live)
	}
	for _, r := range [][2]mm.VirtAddr{{start + 0x1000, end}, {end, start}, {1<<39 - 0x20_0000, 1<<39 + 0x20_0000}} {
		if err := u.Share(owner.pt.Root(), r[0], r[1]); !errors.Is(err, pagetable.ErrInvalid) {
			t.Errorf("Share(%v, %v): %v, want ErrInvalid", r[0], r[1], err)
		}
	}
	u.Release()
	if pa, _, ok := owner.pt.Translate(start + 0x20_1000); !ok || pa != small {
		t.Error("Unshare took the owner's page table")
	}
}
