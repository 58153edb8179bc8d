package vm

import (
	"fmt"
	"io"
	"strings"

	"github.com/pagoda-os/pagoda/mm/frame"
	"github.com/pagoda-os/pagoda/mm/swap"
)

// The text of Linux's /proc files that show memory: one formatter for
// each, called by the shell's meminfo, vmstat, maps and smaps commands
// and by proc's /proc files, so that both print the same bytes.

// MeminfoLine formats one line as Linux's /proc/meminfo does
// (show_val_kb): the name and colon padded to 16 columns, the value in
// kB right-aligned in 8.
func MeminfoLine(name string, bytes uint64) string {
	return fmt.Sprintf("%-16s%8d kB", name+":", bytes>>10)
}

// WriteTo writes mi as /proc/meminfo, one MeminfoLine per figure.
func (mi *Meminfo) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	for _, f := range mi.Figures() {
		b.WriteString(MeminfoLine(f.Name, f.Value))
		b.WriteByte('\n')
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

// WriteVmstat writes figures as /proc/vmstat does (vmstat_show): "name
// value" lines.
func WriteVmstat(w io.Writer, figures []Figure) error {
	var b strings.Builder
	for _, f := range figures {
		fmt.Fprintf(&b, "%s %d\n", f.Name, f.Value)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// MapsLine is a VMA's line in /proc/PID/maps format (show_map_vma). A
// shared anonymous mapping, whose File is its unnamed tmpfs object,
// shows as Linux shows it, /dev/zero (deleted) on the internal tmpfs.
// label names an anonymous private mapping ("[heap]", "[stack]", as
// Linux's arch_vma_name and the mm's brk and stack); "" for none.
func MapsLine(v *VMA, label string) string {
	kind, dev, name := byte('p'), "00:00 0", label
	if v.Flags&MapShared != 0 {
		kind = 's'
	}
	switch {
	case v.Flags&MapAnonymous != 0 && v.Flags&MapShared != 0:
		dev, name = "00:01 0", "/dev/zero (deleted)"
	case v.File() != nil:
		dev, name = "fe:00 0", v.File().Name
	}
	line := fmt.Sprintf("%08x-%08x %s%c %08x %s", uint64(v.Start), uint64(v.End), v.Prot, kind, v.Offset(), dev)
	if name != "" {
		line += strings.Repeat(" ", max(1, 73-len(line))) + name
	}
	return line
}

// Labeler names a VMA of an address space in maps and smaps ("" for
// none); nil labels nothing.
type Labeler func(v *VMA) string

func (l Labeler) label(v *VMA) string {
	if l == nil {
		return ""
	}
	return l(v)
}

// WriteMaps writes as's mappings as /proc/PID/maps.
func (as *AddressSpace) WriteMaps(w io.Writer, l Labeler) error {
	var b strings.Builder
	for _, v := range as.VMAs() {
		b.WriteString(MapsLine(&v, l.label(&v)))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteSmaps writes as's mappings as /proc/PID/smaps: each maps line,
// then its Smaps figures as MeminfoLines (Linux's show_smap).
func (as *AddressSpace) WriteSmaps(w io.Writer, l Labeler) error {
	var b strings.Builder
	for _, s := range as.Smaps() {
		b.WriteString(MapsLine(&s.VMA, l.label(&s.VMA)))
		b.WriteByte('\n')
		for _, f := range []Figure{
			{"Size", s.Size}, {"Rss", s.Rss}, {"Pss", s.Pss},
			{"Shared_Clean", s.SharedClean}, {"Shared_Dirty", s.SharedDirty},
			{"Private_Clean", s.PrivateClean}, {"Private_Dirty", s.PrivateDirty},
			{"Referenced", s.Referenced}, {"Anonymous", s.Anonymous},
			{"AnonHugePages", s.AnonHugePages}, {"Swap", s.Swap},
		} {
			b.WriteString(MeminfoLine(f.Name, f.Value))
			b.WriteByte('\n')
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteSwaps writes the swap areas of set as /proc/swaps (swap_show):
// sizes in KiB, every area a partition.
func WriteSwaps(w io.Writer, set *swap.Set) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%-40s%-16s%-16s%-16s%s\n", "Filename", "Type", "Size", "Used", "Priority")
	if set != nil {
		for _, a := range set.Areas() {
			fmt.Fprintf(&b, "%-40s%-16s%-16d%-16d%d\n", "/dev/"+a.Dev.Name(), "partition", a.Slots()*4, a.Used()*4, a.Priority)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteBuddyinfo writes the free blocks per order of frames as
// /proc/buddyinfo (frag_show_print: "Node %d, zone %8s " then "%6lu "
// per order).
func WriteBuddyinfo(w io.Writer, frames *frame.Allocator) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Node 0, zone %8s ", "Normal")
	for _, n := range frames.Stats().FreeBlocks {
		fmt.Fprintf(&b, "%6d ", n)
	}
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteZoneinfo writes m's zone as Pagoda's /proc/zoneinfo: free pages,
// the watermarks and managed pages (as Linux's zoneinfo_show_print),
// then Pagoda's own lines: the reclaim policy and its lists (by
// Linux's nr_ names), and the fault path's reserve.
func (m *MM) WriteZoneinfo(w io.Writer) error {
	var b strings.Builder
	st := m.Frames.Stats()
	wm := m.Watermarks()
	fmt.Fprintf(&b, "Node 0, zone   Normal\n")
	fmt.Fprintf(&b, "  pages free     %d\n", st.FreePages)
	for _, f := range []struct {
		name string
		v    uint64
	}{{"min", wm.Min}, {"low", wm.Low}, {"high", wm.High}, {"managed", st.ManagedPages}} {
		fmt.Fprintf(&b, "        %-8s %d\n", f.name, f.v)
	}
	if p := m.Policy(); p != nil {
		fmt.Fprintf(&b, "  policy         %s\n", p.Name())
		for _, l := range p.Lists() {
			// Linux's names: Inactive(anon) is nr_inactive_anon.
			name := strings.NewReplacer("(", "_", ")", "").Replace(strings.ToLower(l.Name))
			fmt.Fprintf(&b, "      nr_%-16s %d\n", name, l.Pages)
		}
	} else {
		fmt.Fprintf(&b, "  policy         none (no reclaim)\n")
	}
	a, t := m.Reserved()
	fmt.Fprintf(&b, "  fault reserve  %d pages, %d page tables\n", a, t)
	_, err := io.WriteString(w, b.String())
	return err
}
