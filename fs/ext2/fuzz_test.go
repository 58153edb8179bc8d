package ext2

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// strictDevice is a MemDevice that panics on I/O outside the device or
// not in whole sectors, so the fuzzer reports it.
type strictDevice struct{ MemDevice }

func (d *strictDevice) ReadAt(p []byte, off int64) (int, error) {
	if err := d.check(len(p), off); err != nil {
		panic(err)
	}
	return d.MemDevice.ReadAt(p, off)
}

func (d *strictDevice) WriteAt(p []byte, off int64) (int, error) {
	if err := d.check(len(p), off); err != nil {
		panic(err)
	}
	return d.MemDevice.WriteAt(p, off)
}

// fuzzSeeds returns the committed seed image and, when mke2fs is
// installed, a few freshly made small ones (1K, 2K, 4K blocks, revision 0).
func fuzzSeeds(f *testing.F) [][]byte {
	var seeds [][]byte
	gz, err := os.ReadFile("testdata/seed-1k.img.gz")
	if err != nil {
		f.Fatal(err)
	}
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		f.Fatal(err)
	}
	img, err := io.ReadAll(r)
	if err != nil {
		f.Fatal(err)
	}
	seeds = append(seeds, img)
	mke2fs := "/usr/sbin/mke2fs"
	if _, err := os.Stat(mke2fs); err != nil {
		return seeds
	}
	src := f.TempDir()
	os.MkdirAll(filepath.Join(src, "d/e"), 0o755)
	os.WriteFile(filepath.Join(src, "a"), []byte("hello"), 0o644)
	os.WriteFile(filepath.Join(src, "d/big"), bytes.Repeat([]byte("0123456789abcdef"), 1700), 0o644)
	os.WriteFile(filepath.Join(src, "d/e/z"), []byte("z"), 0o644)
	os.Symlink("a", filepath.Join(src, "fast"))
	os.Symlink(string(bytes.Repeat([]byte("x"), 80)), filepath.Join(src, "d/slow"))
	for i, args := range [][]string{
		{"-b", "1024", "-N", "32", "-d", src},
		{"-b", "2048", "-N", "32", "-d", src},
		{"-b", "4096", "-N", "32", "-d", src},
		{"-b", "1024", "-N", "16", "-r", "0"},
	} {
		p := filepath.Join(f.TempDir(), fmt.Sprintf("seed%d.img", i))
		size := "128K"
		if args[1] == "4096" {
			size = "256K"
		}
		cmd := exec.Command(mke2fs, append(append([]string{"-q", "-F", "-t", "ext2"}, args...), p, size)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			f.Fatalf("mke2fs: %v\n%s", err, out)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	return seeds
}

// FuzzMount mounts mutated images and walks, reads and writes them. Every
// step may fail; none may panic, hang, or do I/O outside the device.
func FuzzMount(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			return
		}
		dev := &strictDevice{MemDevice{Data: bytes.Clone(data[:len(data)&^511])}}
		fs, err := Mount(dev, false)
		if err != nil {
			return
		}
		fs.Now = func() uint32 { return 1700000000 }
		w := fuzzWalker{fs: fs, seen: make(map[uint32]bool)}
		w.walk("/", 0)
		fuzzWrites(fs, &w)
		fs.Sync()
		fs.Unmount()
	})
}

type fuzzWalker struct {
	fs         *FS
	seen       map[uint32]bool
	files      []string
	dirs       []string
	operations int
}

func (w *fuzzWalker) walk(dir string, depth int) {
	ents, err := w.fs.ReadDir(dir)
	if err != nil || depth > 6 {
		return
	}
	for _, e := range ents {
		if e.Name == "." || e.Name == ".." || w.seen[e.Ino] || w.operations > 200 {
			continue
		}
		w.seen[e.Ino] = true
		w.operations++
		p := dir + "/" + e.Name
		if dir == "/" {
			p = "/" + e.Name
		}
		st, err := w.fs.Lstat(p)
		if err != nil {
			continue
		}
		switch st.Type {
		case TypeDir:
			w.dirs = append(w.dirs, p)
			w.walk(p, depth+1)
		case TypeSymlink:
			w.fs.Readlink(p)
			if ino, err := w.fs.Open(p); err == nil {
				ino.Close()
			}
		case TypeRegular:
			w.files = append(w.files, p)
			ino, err := w.fs.Open(p)
			if err != nil {
				continue
			}
			buf := make([]byte, 64<<10)
			ino.ReadAt(buf, 0)
			ino.ReadAt(buf[:100], max(ino.Size()-50, 0))
			if ino.Size() <= 1<<20 && ino.LoadBlockMap() == nil {
				for k := range uint64(8) {
					ino.BlockAt(k)
				}
			}
			ino.Close()
		}
	}
}

func fuzzWrites(fs *FS, w *fuzzWalker) {
	if ino, err := fs.Create("/fuzz-new", 0o644); err == nil {
		ino.WriteAt(bytes.Repeat([]byte("w"), 3000), 0)
		ino.WriteAt([]byte("far"), 300000)
		ino.Truncate(100)
		ino.Close()
	}
	fs.Mkdir("/fuzz-dir", 0o755)
	fs.Mkdir("/fuzz-dir/sub", 0o755)
	fs.Symlink("fuzz-new", "/fuzz-link")
	if len(w.files) > 0 {
		p := w.files[0]
		if ino, err := fs.Open(p); err == nil {
			ino.WriteAt([]byte("overwrite"), 10)
			ino.Truncate(ino.Size() / 2)
			ino.Close()
		}
		fs.Unlink(w.files[len(w.files)-1])
	}
	for i := len(w.dirs) - 1; i >= 0; i-- {
		fs.Rmdir(w.dirs[i])
	}
	fs.Rmdir("/fuzz-dir/sub")
}
