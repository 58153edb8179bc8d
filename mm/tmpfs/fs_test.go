//go:build !tamago

package tmpfs

import (
	"bytes"
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/pagecache"
)

// The namespace: every operation, its errors, link counts and sizes.
func TestNamespace(t *testing.T) {
	e := newEnv(t, 0)
	fsys := e.fs
	e.must(fsys.Mkdir("/a", 0o755))
	e.must(fsys.Mkdir("/a/b", 0o700))
	e.must(fsys.Create("/a/f", 0o644))
	e.must(fsys.Create("g", 0o600)) // no leading slash: the same
	for _, c := range []struct {
		name string
		err  error
		want error
	}{
		{"create over a file", fsys.Create("/a/f", 0o644), ErrExist},
		{"create over a directory", fsys.Create("/a/b", 0o644), ErrExist},
		{"mkdir over a file", fsys.Mkdir("/g", 0o755), ErrExist},
		{"create in a missing directory", fsys.Create("/x/f", 0o644), ErrNotExist},
		{"create under a file", fsys.Create("/g/f", 0o644), ErrNotDir},
		{"create the root", fsys.Create("/", 0o644), ErrInvalid},
		{"mkdir dot", fsys.Mkdir("/a/.", 0o755), ErrInvalid},
		{"create a long name", fsys.Create("/"+strings.Repeat("n", 256), 0o644), ErrNameTooLong},
		{"rmdir a non-empty directory", fsys.Rmdir("/a"), ErrNotEmpty},
		{"rmdir a file", fsys.Rmdir("/g"), ErrNotDir},
		{"rmdir a missing directory", fsys.Rmdir("/z"), ErrNotExist},
		{"rmdir dot-dot", fsys.Rmdir("/a/.."), ErrInvalid},
		{"unlink a directory", fsys.Unlink("/a/b"), ErrIsDir},
		{"unlink a missing file", fsys.Unlink("/a/z"), ErrNotExist},
	} {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.err, c.want)
		}
	}
	if _, err := fsys.Open("/a"); !errors.Is(err, ErrIsDir) {
		t.Errorf("Open of a directory: %v", err)
	}
	if _, err := fsys.ReadDir("/g"); !errors.Is(err, ErrNotDir) {
		t.Errorf("ReadDir of a file: %v", err)
	}
	if _, err := fsys.Lstat("/a/missing"); !errors.Is(err, ErrNotExist) {
		t.Errorf("Lstat of a missing name: %v", err)
	}
	if _, err := fsys.Lstat("/g/x"); !errors.Is(err, ErrNotDir) {
		t.Errorf("Lstat under a file: %v", err)
	}
	// ".", ".." and the order of a listing.
	e.must(fsys.Create("/a/c", 0o644))
	ents, err := fsys.ReadDir("/a/b/..")
	e.must(err)
	var names []string
	for _, d := range ents {
		names = append(names, d.Name)
	}
	if !slices.Equal(names, []string{".", "..", "b", "c", "f"}) {
		t.Fatalf("ReadDir: %v", names)
	}
	root, _ := fsys.Lstat("/")
	a, _ := fsys.Lstat("/a")
	if ents[0].Ino != a.Ino || ents[1].Ino != root.Ino || ents[2].Type != fs.ModeDir || ents[3].Type != 0 {
		t.Fatalf("ReadDir entries: %+v", ents)
	}
	if up, _ := fsys.ReadDir("/.."); up[1].Ino != root.Ino {
		t.Fatal(".. of the root is not the root")
	}
	// Links: a directory has 2 and one per subdirectory; sizes count
	// entries as Linux's tmpfs does.
	for _, c := range []struct {
		path  string
		mode  fs.FileMode
		links uint32
		size  int64
	}{
		{"/", fs.ModeDir | fs.ModeSticky | 0o777, 3, 4 * direntSize},
		{"/a", fs.ModeDir | 0o755, 3, 5 * direntSize},
		{"/a/b", fs.ModeDir | 0o700, 2, 2 * direntSize},
		{"/a/f", 0o644, 1, 0},
		{"/g", 0o600, 1, 0},
	} {
		st, err := fsys.Lstat(c.path)
		if err != nil || st.Mode != c.mode || st.Links != c.links || st.Size != c.size || st.Blocks != 0 {
			t.Errorf("Lstat %s: %+v, %v; want mode %v, %d links, size %d", c.path, st, err, c.mode, c.links, c.size)
		}
	}
	e.must(fsys.Rmdir("/a/b"))
	if st, _ := fsys.Lstat("/a"); st.Links != 2 {
		t.Errorf("/a has %d links after rmdir of its subdirectory", st.Links)
	}
	e.must(fsys.Unlink("/a/f"))
	e.must(fsys.Unlink("/a/c"))
	e.must(fsys.Rmdir("/a"))
	if _, err := fsys.Lstat("/a"); !errors.Is(err, ErrNotExist) {
		t.Errorf("Lstat after rmdir: %v", err)
	}
	if st := fsys.Statfs(); st.Files != 1 {
		t.Errorf("%d files live, want 1 (/g)", st.Files)
	}
	e.done()
}

// An unlinked file lives while it is open or mapped, and goes with the
// last of these; then its pages and swap entries are freed and
// uncharged.
func TestUnlink(t *testing.T) {
	for _, hold := range []string{"none", "open", "mapped", "both"} {
		t.Run(hold, func(t *testing.T) {
			e := newEnv(t, 0)
			f := e.file("/f")
			data := pattern(1, 3*pg+10)
			e.write(f, data, 0)
			e.reclaim(f)                    // every page in swap
			f.ReadAt(make([]byte, 1), 2*pg) // one swapped in, cached
			e.write(f, []byte{1}, 0)        // one in memory, dirty
			if st := e.fs.Statfs(); st.Used != 4 || st.Swapped != 4 {
				t.Fatalf("before unlink: %+v", st)
			}
			var m mapper
			if hold == "mapped" || hold == "both" {
				f.pc.AddMapper(m)
			}
			if hold == "none" || hold == "mapped" {
				f.Close()
			}
			e.must(e.fs.Unlink("/f"))
			e.check()
			if _, err := e.fs.Open("/f"); !errors.Is(err, ErrNotExist) {
				t.Fatalf("Open after unlink: %v", err)
			}
			if hold == "none" {
				if !f.discarded || e.fs.Statfs() != (Statfs{}) {
					t.Fatalf("unlinked, unused: discarded %v, %+v", f.discarded, e.fs.Statfs())
				}
				e.done()
				return
			}
			if f.discarded || e.fs.Statfs().Used != 4 {
				t.Fatalf("unlinked while held: discarded %v, %+v", f.discarded, e.fs.Statfs())
			}
			want := append([]byte{1}, data[1:]...)
			if got := e.read(f); string(got) != string(want) {
				t.Fatal("an unlinked file held open reads other bytes")
			}
			if err := e.fs.Unmount(); !errors.Is(err, ErrBusy) {
				t.Fatalf("Unmount with the file held: %v", err)
			}
			if hold == "both" {
				f.Close()
				if f.discarded {
					t.Fatal("discarded at Close while still mapped")
				}
			}
			if hold == "open" {
				f.Close()
			} else {
				f.pc.RemoveMapper(m) // the unmap hook
			}
			if !f.discarded || e.fs.Statfs() != (Statfs{}) {
				t.Fatalf("after the last reference: discarded %v, %+v", f.discarded, e.fs.Statfs())
			}
			if _, err := f.ReadAt(make([]byte, 1), 0); !errors.Is(err, ErrInvalid) {
				t.Fatalf("ReadAt of a discarded file: %v", err)
			}
			e.done()
		})
	}
}

// Unmount is refused while a file is open or mapped; after it, the
// instance refuses everything, and its memory and swap are free.
func TestUnmount(t *testing.T) {
	e := newEnv(t, 0)
	f := e.file("/d")
	e.write(f, pattern(2, 5*pg), 0)
	e.reclaim(f)
	e.write(f, []byte{7}, pg)
	if err := e.fs.Unmount(); !errors.Is(err, ErrBusy) {
		t.Fatalf("Unmount with a file open: %v", err)
	}
	f.Close()
	e.done() // unmounts, and checks memory and swap
	for _, err := range []error{
		e.fs.Create("/x", 0o644), e.fs.Mkdir("/y", 0o755), e.fs.Unmount(),
	} {
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("after unmount: %v", err)
		}
	}
	if _, err := e.fs.Lstat("/"); !errors.Is(err, ErrInvalid) {
		t.Errorf("Lstat after unmount: %v", err)
	}
}

// An unlinked file, as the object of a shared anonymous mapping, has no
// name and no Open reference from birth: holes of its size, charged as
// they are touched; its pages go to swap and come back like any file's,
// Unswap included; its data go with its last mapping.
func TestNewUnlinked(t *testing.T) {
	e := newEnv(t, 0)
	named := e.file("/named") // beside it, untouched by all this
	if _, err := e.fs.NewUnlinked("dev/zero", -1); !errors.Is(err, ErrInvalid) {
		t.Fatalf("NewUnlinked of a negative size: %v", err)
	}
	e.check()
	f, err := e.fs.NewUnlinked("dev/zero", 4*pg+100)
	e.must(err)
	e.check()
	if st := f.Stat(); f.pc.Name != "/tmp/dev/zero" || f.Size() != 4*pg+100 || st.Links != 0 || st.Blocks != 0 || st.Mode != 0o777 {
		t.Fatalf("new unlinked file %s: size %d, %+v", f.pc.Name, f.Size(), st)
	}
	if st := e.fs.Statfs(); st.Files != 2 || st.Used != 0 {
		t.Fatalf("with the unlinked file: %+v (holes are not charged)", st)
	}
	ents, err := e.fs.ReadDir("/")
	e.must(err)
	if len(ents) != 3 || ents[2].Name != "named" {
		t.Fatalf("the unlinked file has a name: %+v", ents)
	}
	// Held unmapped for a while, as only a test may (nothing would
	// discard it): written, sent to swap, brought back by Unswap, sent
	// again. Dropping its page cache (reclaim does) discards nothing.
	data := pattern(3, 2*pg)
	e.write(f, data, 2*pg)
	if out := e.reclaim(f); out != 2 || f.discarded {
		t.Fatalf("reclaim: %d pages out, discarded %v", out, f.discarded)
	}
	e.check()
	if n, err := e.fs.Unswap(areaOf(1)); n != 2 || err != nil {
		t.Fatalf("Unswap: %d, %v", n, err)
	}
	e.check()
	if f.SwappedPages() != 0 || !bytes.Equal(e.read(f)[2*pg:4*pg], data) {
		t.Fatal("after Unswap: pages still in swap, or other bytes")
	}
	e.reclaim(f)
	if st := e.fs.Statfs(); st.Swapped != 2 || st.Used != 2 {
		t.Fatalf("after reclaim: %+v", st)
	}
	// Mapped: a fault on a hole is a minor fault on a zeroed page,
	// charged; one on a page in swap reads it back.
	var m mapper
	f.pc.AddMapper(m)
	pfn, out := f.pc.FaultPage(1, e.src)
	if out != pagecache.Hit || !bytes.Equal(mm.FrameBytes(pfn.Addr()), make([]byte, pg)) || e.fs.Statfs().Used != 3 {
		t.Fatalf("fault on a hole: %v, used %d", out, e.fs.Statfs().Used)
	}
	if pfn, out := f.pc.FaultPage(2, e.src); out != pagecache.Major || !bytes.Equal(mm.FrameBytes(pfn.Addr()), data[:pg]) {
		t.Fatalf("fault on a page in swap: %v", out)
	}
	if _, out := f.pc.FaultPage(5, e.src); out != pagecache.Beyond {
		t.Fatalf("fault past the end: %v", out)
	}
	e.check()
	// The last mapping goes: so do the data, in memory and in swap.
	f.pc.RemoveMapper(m)
	if !f.discarded || e.fs.Statfs() != (Statfs{Files: 1}) || len(e.swap.live) != 0 {
		t.Fatalf("after the last unmap: discarded %v, %+v, %d swap entries", f.discarded, e.fs.Statfs(), len(e.swap.live))
	}
	named.Close()
	e.done()
	if _, err := e.fs.NewUnlinked("dev/zero", pg); !errors.Is(err, ErrInvalid) {
		t.Fatalf("NewUnlinked after unmount: %v", err)
	}
}
