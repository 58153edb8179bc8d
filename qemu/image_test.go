package qemu

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pagoda-os/pagoda/mm/swap"
)

func TestExt2Image(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(filepath.Join(src, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "sub", "hello.txt"), []byte("hello, pagoda\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, bs := range []int{1024, 2048, 4096} {
		img, err := Ext2Image(dir, "fs.img", 8<<20, bs, src)
		if err != nil {
			t.Fatal(err)
		}
		if out, err := Fsck(img); err != nil {
			t.Fatalf("block size %d: %v\n%s", bs, err, out)
		}
		out, err := exec.Command("debugfs", "-R", "cat /sub/hello.txt", img).Output()
		if err != nil || string(out) != "hello, pagoda\n" {
			t.Errorf("block size %d: debugfs cat: %q, %v", bs, out, err)
		}
		stats, _ := exec.Command("dumpe2fs", "-h", img).Output()
		if !strings.Contains(string(stats), "Block size:               "+strconv.Itoa(bs)) {
			t.Errorf("block size %d: dumpe2fs says\n%s", bs, stats)
		}
	}
	// A corrupted image is reported, not passed.
	img, _ := Ext2Image(dir, "bad.img", 8<<20, 1024, "")
	f, _ := os.OpenFile(img, os.O_WRONLY, 0)
	f.WriteAt(make([]byte, 1024), 1024) // wipe the superblock
	f.Close()
	if _, err := Fsck(img); err == nil {
		t.Error("e2fsck accepted an image without a superblock")
	}
}

// SwapImage makes an area mm/swap accepts, covering the whole file.
func TestSwapImage(t *testing.T) {
	const size = 24 << 20
	img, err := SwapImage(t.TempDir(), "swap.img", size)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != size {
		t.Fatalf("image is %d bytes, want %d", len(b), size)
	}
	h, err := swap.ParseHeader(b[:swap.PageSize], size)
	if err != nil {
		t.Fatal(err)
	}
	if h.LastPage != size/swap.PageSize-1 || len(h.BadPages) != 0 {
		t.Errorf("header %+v", h)
	}
}
