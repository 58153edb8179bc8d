package qemu

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
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
