package ext2

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"testing"
)

func TestReadImages(t *testing.T) {
	src := genTree(t)
	for _, bs := range []int{1024, 2048, 4096} {
		t.Run(fmt.Sprint(bs), func(t *testing.T) {
			img := mkfs(t, bs, "16M", src)
			if out := debugfs(t, img, "stat /many"); !bytes.Contains(out, []byte("Flags: 0x1000")) {
				t.Fatalf("/many is not an htree directory:\n%s", out)
			}
			for _, dev := range []Device{openFileDevice(t, img), memImage(t, img)} {
				fs := mustMount(t, dev)
				if fs.ReadOnly() || fs.BlockSize() != bs {
					t.Fatalf("ro %v bs %d", fs.ReadOnly(), fs.BlockSize())
				}
				compareTree(t, fs, src)
				checkCounts(t, fs)
				_, err := fs.Open("/loop1")
				wantErr(t, err, ErrLoop, "symlink loop")
				_, err = fs.Open("/dangling")
				wantErr(t, err, ErrNotExist, "dangling")
				st, err := fs.Lstat("/dirlink/c/d/deep.txt")
				if err != nil || st.Size != 5 {
					t.Fatalf("through dirlink: %+v %v", st, err)
				}
				if _, err := fs.Lstat("/abslink/d/../d/./deep.txt"); err != nil {
					t.Fatal(err)
				}
				_, err = fs.Lstat("/small.txt/x")
				wantErr(t, err, ErrNotDir, "file as dir")
				if err := fs.Unmount(); err != nil {
					t.Fatal(err)
				}
			}
			fsck(t, img)
		})
	}
}

// patchSuper rewrites a little-endian field of an image's superblock.
func patchSuper(dev *MemDevice, off int, v uint32, size int) {
	b := dev.Data[superOffset+off:]
	if size == 2 {
		binary.LittleEndian.PutUint16(b, uint16(v))
	} else {
		binary.LittleEndian.PutUint32(b, v)
	}
}

func TestMountFeatures(t *testing.T) {
	img := mkfs(t, 1024, "1M", "")
	dev := memImage(t, img)
	patchSuper(dev, 100, binary.LittleEndian.Uint32(dev.Data[superOffset+100:])|0x400, 4) // metadata_csum
	fs := mustMount(t, dev)
	if !fs.ReadOnly() || fs.Notice() == "" {
		t.Fatalf("unknown RO_COMPAT: ro %v notice %q", fs.ReadOnly(), fs.Notice())
	}
	_, err := fs.Create("/x", 0o644)
	wantErr(t, err, ErrReadOnly, "create on read-only")

	dev = memImage(t, img)
	patchSuper(dev, 96, binary.LittleEndian.Uint32(dev.Data[superOffset+96:])|0x40, 4) // extents
	_, err = Mount(dev, false)
	wantErr(t, err, ErrUnsupported, "unknown INCOMPAT")

	dev = memImage(t, img)
	dev.RO = true
	fs = mustMount(t, dev)
	if !fs.ReadOnly() || fs.Notice() == "" {
		t.Fatal("read-only device mounted read-write")
	}
}

func TestMountCorrupt(t *testing.T) {
	img := mkfs(t, 1024, "1M", "")
	cases := []struct {
		name      string
		off, size int
		v         uint32
		want      error
	}{
		{"magic", 56, 2, 0x1234, ErrCorrupt},
		{"log block size", 24, 4, 7, ErrUnsupported},
		{"blocks count", 4, 4, 1 << 30, ErrCorrupt},
		{"blocks per group", 32, 4, 0, ErrCorrupt},
		{"inodes per group", 40, 4, 1 << 20, ErrCorrupt},
		{"first data block", 20, 4, 0, ErrCorrupt},
		{"inode size", 88, 2, 100, ErrCorrupt},
		{"inodes count", 0, 4, 1 << 30, ErrCorrupt},
		{"revision", 76, 4, 5, ErrUnsupported},
	}
	for _, c := range cases {
		dev := memImage(t, img)
		patchSuper(dev, c.off, c.v, c.size)
		_, err := Mount(dev, false)
		wantErr(t, err, c.want, c.name)
	}
	// A group descriptor pointing its inode table past the end.
	dev := memImage(t, img)
	binary.LittleEndian.PutUint32(dev.Data[2048+8:], 1<<20)
	_, err := Mount(dev, false)
	wantErr(t, err, ErrCorrupt, "inode table out of range")
	// Truncated device.
	b, _ := os.ReadFile(img)
	_, err = Mount(&MemDevice{Data: b[:len(b)/2]}, false)
	wantErr(t, err, ErrCorrupt, "short device")
}
