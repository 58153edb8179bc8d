package ext2

import (
	"errors"
	"fmt"
	"math/rand"
	"slices"
	"testing"
)

// TestRandomOps runs seeded random operation sequences against the model
// (path → bytes, plus the set of directories), checking the free counts
// as it goes, and e2fsck and debugfs at the end.
func TestRandomOps(t *testing.T) {
	for _, bs := range []int{1024, 4096} {
		for seed := int64(1); seed <= 3; seed++ {
			t.Run(fmt.Sprintf("bs%d-seed%d", bs, seed), func(t *testing.T) {
				randomOps(t, bs, seed, 1500)
			})
		}
	}
}

func randomOps(t *testing.T, bs int, seed int64, steps int) {
	dev := memImage(t, mkfs(t, bs, "16M", ""))
	fs := mustMount(t, dev)
	fs.Now = func() uint32 { return 1700000000 }
	m := newModel(t, fs)
	dirs := []string{"/"}
	rng := rand.New(rand.NewSource(seed))
	var orphans []*Inode
	pickFile := func() (string, bool) {
		ps := m.paths()
		if len(ps) == 0 {
			return "", false
		}
		return ps[rng.Intn(len(ps))], true
	}
	join := func(dir, name string) string {
		if dir == "/" {
			return "/" + name
		}
		return dir + "/" + name
	}
	for step := range steps {
		switch op := rng.Intn(110); {
		case op < 15:
			p := join(dirs[rng.Intn(len(dirs))], fmt.Sprintf("f%d", step))
			m.create(p)
		case op < 50:
			p, ok := pickFile()
			if !ok {
				continue
			}
			size := int64(len(m.files[p]))
			off := rng.Int63n(size + 1)
			switch rng.Intn(10) {
			case 0:
				off = rng.Int63n(3 << 20) // far: holes and indirect blocks
			case 1:
				off = size
			}
			n := rng.Intn(3 * bs)
			if rng.Intn(10) == 0 {
				n = rng.Intn(40 * bs)
			}
			m.write(p, off, pattern(int64(step), n))
		case op < 60:
			p, ok := pickFile()
			if !ok {
				continue
			}
			size := int64(len(m.files[p]))
			m.truncate(p, rng.Int63n(size+size/2+int64(bs)+1))
		case op < 70:
			p, ok := pickFile()
			if !ok {
				continue
			}
			if rng.Intn(4) == 0 {
				// Keep it open across the unlink: an orphan.
				ino, err := fs.Open(p)
				if err != nil {
					t.Fatal(err)
				}
				orphans = append(orphans, ino)
			}
			m.unlink(p)
		case op < 77:
			d := join(dirs[rng.Intn(len(dirs))], fmt.Sprintf("d%d", step))
			if err := fs.Mkdir(d, 0o755); err != nil {
				t.Fatalf("Mkdir %s: %v", d, err)
			}
			dirs = append(dirs, d)
		case op < 82:
			if len(dirs) == 1 {
				continue
			}
			i := 1 + rng.Intn(len(dirs)-1)
			d := dirs[i]
			err := fs.Rmdir(d)
			empty := true
			for p := range m.files {
				if len(p) > len(d) && p[:len(d)+1] == d+"/" {
					empty = false
				}
			}
			for _, o := range dirs {
				if len(o) > len(d) && o[:len(d)+1] == d+"/" {
					empty = false
				}
			}
			if empty {
				if err != nil {
					t.Fatalf("Rmdir %s: %v", d, err)
				}
				dirs = slices.Delete(dirs, i, i+1)
			} else if !errors.Is(err, ErrNotEmpty) {
				t.Fatalf("Rmdir non-empty %s: %v", d, err)
			}
		case op < 90:
			if len(orphans) > 0 {
				i := rng.Intn(len(orphans))
				o := orphans[i]
				if _, err := o.WriteAt(pattern(int64(step), 2*bs), o.Size()); err != nil {
					t.Fatalf("write to orphan: %v", err)
				}
				if err := o.Close(); err != nil {
					t.Fatal(err)
				}
				orphans = slices.Delete(orphans, i, i+1)
			}
		case op < 95:
			p, ok := pickFile()
			if !ok {
				continue
			}
			if got := readAll(t, fs, p); string(got) != string(m.files[p]) {
				t.Fatalf("step %d: %s differs at %d", step, p, firstDiff(got, m.files[p]))
			}
		case op < 100:
			if err := fs.Sync(); err != nil {
				t.Fatal(err)
			}
			checkCounts(t, fs)
		case op < 105:
			// A file to a new name, or over another file.
			p, ok := pickFile()
			if !ok {
				continue
			}
			q := join(dirs[rng.Intn(len(dirs))], fmt.Sprintf("m%d", step))
			if rng.Intn(2) == 0 {
				q, _ = pickFile()
			}
			if q == p {
				continue
			}
			if err := fs.Rename(p, q, false); err != nil {
				t.Fatalf("Rename %s %s: %v", p, q, err)
			}
			m.files[q] = m.files[p]
			delete(m.files, p)
		default:
			// A directory, with everything under it, to another parent
			// (never into itself: that is ErrInvalid).
			if len(dirs) == 1 {
				continue
			}
			d := dirs[1+rng.Intn(len(dirs)-1)]
			under := func(p string) bool { return p == d || len(p) > len(d) && p[:len(d)+1] == d+"/" }
			parent := dirs[rng.Intn(len(dirs))]
			q := join(parent, fmt.Sprintf("r%d", step))
			if under(parent) {
				if err := fs.Rename(d, q, false); !errors.Is(err, ErrInvalid) {
					t.Fatalf("Rename %s into itself at %s: %v", d, q, err)
				}
				continue
			}
			if err := fs.Rename(d, q, false); err != nil {
				t.Fatalf("Rename %s %s: %v", d, q, err)
			}
			for i, o := range dirs {
				if under(o) {
					dirs[i] = q + o[len(d):]
				}
			}
			for p, b := range m.files {
				if under(p) {
					delete(m.files, p)
					m.files[q+p[len(d):]] = b
				}
			}
		}
	}
	for _, o := range orphans {
		if err := o.Close(); err != nil {
			t.Fatal(err)
		}
	}
	m.verify()
	checkCounts(t, fs)
	for _, d := range dirs {
		if _, err := fs.ReadDir(d); err != nil {
			t.Fatal(err)
		}
	}
	if err := fs.Unmount(); err != nil {
		t.Fatal(err)
	}
	img := saveImage(t, dev)
	fsck(t, img)
	m.verifyDebugfs(img)
}
