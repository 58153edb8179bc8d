//go:build !tamago

package sim

import (
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/pagetable"
)

func (m *machine) readByte(va mm.VirtAddr) (byte, error) {
	var b [1]byte
	err := m.cpu.Read(va, b[:], false)
	return b[0], err
}

// A cached translation is used until it is invalidated, whatever the
// tables say: the bug a missing INVLPG is.
func TestStaleTranslation(t *testing.T) {
	m := newMachine(t)
	const va mm.VirtAddr = 0x1234_5000
	old, fresh := m.frame(0, 'o'), m.frame(0, 'n')
	at := m.mapPage(va, old, open)
	if b, err := m.readByte(va); err != nil || b != 'o' {
		t.Fatalf("first read: %q, %v", b, err)
	}

	// Remap behind the TLB's back: the old frame is still read.
	*entryAt(at[3]) = pagetable.PTE(fresh) | open
	if b, err := m.readByte(va + 1); err != nil || b != 'o' {
		t.Fatalf("read after a remap without INVLPG: %q, %v; want the stale 'o'", b, err)
	}
	m.cpu.InvalidatePage(va + 0xfff)
	if b, err := m.readByte(va + 2); err != nil || b != 'n' {
		t.Fatalf("read after INVLPG: %q, %v; want 'n'", b, err)
	}

	// Unmap behind the TLB's back: the page is still there.
	*entryAt(at[3]) = 0
	if _, err := m.readByte(va); err != nil {
		t.Fatalf("read after an unmap without INVLPG: %v; want the stale translation", err)
	}
	m.cpu.InvalidatePage(va)
	_, err := m.readByte(va)
	if code := fault(t, err, va); code != 0 {
		t.Fatalf("read after INVLPG: error code %#x, want 0 (not present)", code)
	}

	// Write-protect behind the TLB's back: a dirty cached entry still
	// writes.
	m.mapPage(va, old, open)
	if err := m.cpu.Write(va, []byte{'w'}, false); err != nil {
		t.Fatal(err)
	}
	*entryAt(at[3]) &^= pagetable.Writable
	if err := m.cpu.Write(va, []byte{'x'}, false); err != nil {
		t.Fatalf("write after write-protect without INVLPG: %v; want the stale translation", err)
	}
	m.cpu.InvalidatePage(va)
	err = m.cpu.Write(va, []byte{'y'}, false)
	if code := fault(t, err, va); code != FaultProtection|FaultWrite {
		t.Fatalf("write after INVLPG: error code %#x, want 0x3", code)
	}
	if got := m.mem.Bytes(old, 1)[0]; got != 'x' {
		t.Fatalf("frame holds %q, want 'x'", got)
	}
}

// INVLPG of any address in a 2 MiB page drops its translation.
func TestInvalidateHugePage(t *testing.T) {
	m := newMachine(t)
	const va mm.VirtAddr = 0x4000_0000
	old, fresh := m.frame(9, 'o'), m.frame(9, 'n')
	at := m.set(va, old, true, [4]pagetable.PTE{open, open, open, 0})
	for _, off := range []mm.VirtAddr{0, 0x1000, 0x1f_f000} {
		if b, err := m.readByte(va + off); err != nil || b != 'o' {
			t.Fatalf("read at +%#x: %q, %v", off, b, err)
		}
	}
	*entryAt(at[2]) = pagetable.PTE(fresh) | open | pagetable.Huge
	if b, _ := m.readByte(va + 0x1f_f000); b != 'o' {
		t.Fatalf("read after remap without INVLPG: %q, want the stale 'o'", b)
	}
	m.cpu.InvalidatePage(va + 0x12_3456)
	for _, off := range []mm.VirtAddr{0, 0x1000, 0x1f_f000} {
		if b, err := m.readByte(va + off); err != nil || b != 'n' {
			t.Fatalf("read at +%#x after INVLPG inside the page: %q, %v", off, b, err)
		}
	}
}

// A write through an entry loaded with D clear walks again and sets D; one
// loaded dirty does not, so clearing D needs an INVLPG.
func TestDirtyRewalk(t *testing.T) {
	m := newMachine(t)
	const va mm.VirtAddr = 0x5000
	at := m.mapPage(va, m.frame(0, 0), open)
	pte := entryAt(at[3])

	if _, err := m.readByte(va); err != nil {
		t.Fatal(err)
	}
	before := m.cpu.Stats()
	if err := m.cpu.Write(va, []byte{1}, false); err != nil {
		t.Fatal(err)
	}
	if d := m.cpu.Stats().Misses - before.Misses; d != 1 || !pte.Has(pagetable.Dirty) {
		t.Fatalf("first write: %d walks, PTE %s; want 1 walk and D", d, pte.FlagString())
	}
	before = m.cpu.Stats()
	if err := m.cpu.Write(va, []byte{2}, false); err != nil {
		t.Fatal(err)
	}
	if s := m.cpu.Stats(); s.Misses != before.Misses || s.Hits != before.Hits+1 {
		t.Fatalf("second write: stats %+v after %+v; want one hit, no walk", s, before)
	}

	// D cleared without INVLPG is not set again.
	*pte &^= pagetable.Dirty
	if err := m.cpu.Write(va, []byte{3}, false); err != nil {
		t.Fatal(err)
	}
	if pte.Has(pagetable.Dirty) {
		t.Fatal("D set again through a dirty cached entry: the TLB did not cache D")
	}
	m.cpu.InvalidatePage(va)
	if err := m.cpu.Write(va, []byte{4}, false); err != nil {
		t.Fatal(err)
	}
	if !pte.Has(pagetable.Dirty) {
		t.Fatal("D not set by a write after INVLPG")
	}

	// The re-walk reads the tables as they are now: a page made read-only
	// since the clean entry was loaded faults on the write.
	m.cpu.InvalidatePage(va)
	*pte &^= pagetable.Dirty
	if _, err := m.readByte(va); err != nil {
		t.Fatal(err)
	}
	*pte &^= pagetable.Writable
	err := m.cpu.Write(va, []byte{5}, false)
	if code := fault(t, err, va); code != FaultProtection|FaultWrite {
		t.Fatalf("write re-walk over a read-only PTE: code %#x, want 0x3", code)
	}
}

// Rights raised without INVLPG give one spurious fault (SDM 3A 4.10.4.3):
// the cached rights deny, the fault drops the entry, the retry walks.
func TestSpuriousFault(t *testing.T) {
	m := newMachine(t)
	const va mm.VirtAddr = 0x6000
	at := m.mapPage(va, m.frame(0, 0), pagetable.Present)
	if _, err := m.readByte(va); err != nil {
		t.Fatal(err)
	}
	*entryAt(at[3]) |= pagetable.Writable
	var codes []uint64
	m.cpu.Handler = func(addr mm.VirtAddr, code uint64) bool {
		codes = append(codes, code)
		return true // nothing to do: the fault was spurious
	}
	if err := m.cpu.Write(va, []byte{1}, false); err != nil {
		t.Fatal(err)
	}
	if len(codes) != 1 || codes[0] != FaultProtection|FaultWrite {
		t.Fatalf("faults %#x, want one 0x3", codes)
	}
}

// Global entries survive LoadCR3, not Flush or INVLPG.
func TestGlobal(t *testing.T) {
	m := newMachine(t)
	const gva, lva mm.VirtAddr = 0xffff_8000_0000_0000, 0x7000
	gpa := m.frame(0, 'g')
	gat := m.mapPage(gva, gpa, open|pagetable.Global)
	m.mapPage(lva, m.frame(0, 'l'), open)
	for _, va := range []mm.VirtAddr{gva, lva} {
		if _, err := m.readByte(va); err != nil {
			t.Fatal(err)
		}
	}

	// Reload the same root: only the global entry stays.
	*entryAt(gat[3]) = pagetable.PTE(m.frame(0, 'x')) | open | pagetable.Global
	m.cpu.LoadCR3(m.root)
	if !m.cpu.Cached(gva) || m.cpu.Cached(lva) {
		t.Fatalf("after LoadCR3: global cached %v, local cached %v; want true, false", m.cpu.Cached(gva), m.cpu.Cached(lva))
	}
	if b, _ := m.readByte(gva); b != 'g' {
		t.Fatalf("global page reads %q after LoadCR3, want the cached 'g'", b)
	}

	// Another root without these pages: the global one still translates.
	other, err := m.mem.Tables.AllocTable()
	if err != nil {
		t.Fatal(err)
	}
	m.cpu.LoadCR3(other)
	if b, err := m.readByte(gva); err != nil || b != 'g' {
		t.Fatalf("global page under another CR3: %q, %v", b, err)
	}
	if _, err := m.readByte(lva); fault(t, err, lva) != 0 {
		t.Fatal("local page under another CR3 did not fault not-present")
	}

	m.cpu.Flush()
	if m.cpu.Cached(gva) {
		t.Fatal("Flush kept a global entry")
	}
	m.cpu.LoadCR3(m.root)
	if b, err := m.readByte(gva); err != nil || b != 'x' {
		t.Fatalf("global page after Flush: %q, %v; want 'x'", b, err)
	}
	m.cpu.InvalidatePage(gva)
	if m.cpu.Cached(gva) {
		t.Fatal("INVLPG kept a global entry")
	}
}

// LoadCR3 makes the CPU the TLB pagetable's invalidations reach.
func TestLoadCR3AttachesTLB(t *testing.T) {
	a := newMachine(t)
	newMachine(t) // loads CR3 after a
	const va mm.VirtAddr = 0x8000
	a.mapPage(va, a.frame(0, 0), open)
	if _, err := a.readByte(va); err != nil {
		t.Fatal(err)
	}
	pagetable.InvalidateRange(va, 1) // reaches b, loaded last
	if !a.cpu.Cached(va) {
		t.Fatal("an invalidation reached a CPU that is not the host TLB")
	}
	a.cpu.LoadCR3(a.root)
	if _, err := a.readByte(va); err != nil {
		t.Fatal(err)
	}
	pagetable.InvalidateRange(va, 1)
	if a.cpu.Cached(va) {
		t.Fatal("an invalidation did not reach the CPU that loaded CR3 last")
	}
}

func TestHitMissCounters(t *testing.T) {
	m := newMachine(t)
	const va mm.VirtAddr = 0x9000
	m.mapPage(va, m.frame(0, 0), open)
	m.mapPage(va+mm.PageSize, m.frame(0, 0), open)
	buf := make([]byte, 2*mm.PageSize)
	if err := m.cpu.Read(va, buf, false); err != nil { // two pages: two misses
		t.Fatal(err)
	}
	if err := m.cpu.Read(va+100, buf[:mm.PageSize], false); err != nil { // two hits
		t.Fatal(err)
	}
	if s := m.cpu.Stats(); s != (Stats{Hits: 2, Misses: 2}) {
		t.Fatalf("stats %+v, want 2 hits, 2 misses", s)
	}
}
