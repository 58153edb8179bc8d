package ext2

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// debugfsWrite runs a debugfs request that changes the image.
func debugfsWrite(t *testing.T, img, req string) {
	t.Helper()
	if out, err := exec.Command(tool(t, "debugfs"), "-w", "-R", req, img).CombinedOutput(); err != nil {
		t.Fatalf("debugfs -w -R %q: %v\n%s", req, err, out)
	}
}

// statField extracts a number from debugfs stat output ("File ACL: 56").
func statField(t *testing.T, img, path, field string) uint64 {
	t.Helper()
	out := debugfs(t, img, "stat "+path)
	m := regexp.MustCompile(field + `:\s*(\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no %q in stat %s:\n%s", field, path, out)
	}
	v, _ := strconv.ParseUint(string(m[1]), 10, 64)
	return v
}

func smallTree(t *testing.T) string {
	src := t.TempDir()
	os.WriteFile(filepath.Join(src, "a"), []byte("aaaa"), 0o644)
	os.WriteFile(filepath.Join(src, "b"), bytes.Repeat([]byte("b"), 20000), 0o644)
	os.Mkdir(filepath.Join(src, "d"), 0o755)
	return src
}

// TestCorruptStructures breaks one on-disk structure at a time and
// expects ErrCorrupt from the operations that meet it, with no write
// through the bad pointer.
func TestCorruptStructures(t *testing.T) {
	src := smallTree(t)

	img := mkfs(t, 1024, "1M", src)
	debugfsWrite(t, img, "sif /b block[2] 99999999")
	debugfsWrite(t, img, "sif /b block[IND] 99999998")
	dev := memImage(t, img)
	before := bytes.Clone(dev.Data)
	fs := mustMount(t, dev)
	ino, err := fs.Open("/b")
	if err != nil {
		t.Fatal(err)
	}
	_, err = ino.ReadAt(make([]byte, 100), 2*1024)
	wantErr(t, err, ErrCorrupt, "read through a bad direct pointer")
	_, err = ino.WriteAt([]byte("x"), 2*1024)
	wantErr(t, err, ErrCorrupt, "write through a bad direct pointer")
	_, err = ino.WriteAt([]byte("x"), 14*1024)
	wantErr(t, err, ErrCorrupt, "write below a bad indirect pointer")
	wantErr(t, ino.LoadBlockMap(), ErrCorrupt, "LoadBlockMap")
	ino.Close()
	fs.Sync()
	if i := firstDiff(before, dev.Data); i < len(before) {
		t.Fatalf("refused writes changed byte %d", i)
	}

	// A directory record whose rec_len crosses the block end.
	img = mkfs(t, 1024, "1M", src)
	blk := statField(t, img, "/", `\(0\)`)
	dev = memImage(t, img)
	binary.LittleEndian.PutUint16(dev.Data[blk*1024+12+4:], 2000) // ".." rec_len
	fs = mustMount(t, dev)
	_, err = fs.ReadDir("/")
	wantErr(t, err, ErrCorrupt, "ReadDir")
	_, err = fs.Lstat("/a")
	wantErr(t, err, ErrCorrupt, "lookup")
	_, err = fs.Create("/new", 0o644)
	wantErr(t, err, ErrCorrupt, "create in a corrupt directory")

	// A directory entry naming an inode beyond s_inodes_count.
	img = mkfs(t, 1024, "1M", src)
	dev = memImage(t, img)
	binary.LittleEndian.PutUint32(dev.Data[blk*1024:], 1<<30) // "."'s inode
	fs = mustMount(t, dev)
	_, err = fs.ReadDir("/")
	wantErr(t, err, ErrCorrupt, "inode number out of range")
}

// TestAttrBlock deletes files sharing an extended-attribute block:
// the first unlink drops h_refcount, the last frees the block.
func TestAttrBlock(t *testing.T) {
	src := smallTree(t)
	img := mkfs(t, 1024, "1M", src)
	val := filepath.Join(t.TempDir(), "val")
	os.WriteFile(val, bytes.Repeat([]byte("v"), 600), 0o644)
	debugfsWrite(t, img, "ea_set -f "+val+" /a user.big")
	acl := statField(t, img, "/a", "File ACL")
	if acl == 0 {
		t.Fatal("ea_set made no attribute block")
	}
	// Share it with /b: i_file_acl, i_blocks and h_refcount.
	debugfsWrite(t, img, "sif /b file_acl "+strconv.FormatUint(acl, 10))
	debugfsWrite(t, img, "sif /b blocks "+strconv.FormatUint(statField(t, img, "/b", "Blockcount")+2, 10))
	raw, _ := os.ReadFile(img)
	binary.LittleEndian.PutUint32(raw[acl*1024+4:], 2)
	os.WriteFile(img, raw, 0o644)
	fsck(t, img)

	fs := mustMount(t, openFileDevice(t, img))
	free := fs.Statfs().FreeBlocks
	if err := fs.Unlink("/a"); err != nil {
		t.Fatal(err)
	}
	if err := fs.Sync(); err != nil {
		t.Fatal(err)
	}
	fsck(t, img)
	if err := fs.Unlink("/b"); err != nil {
		t.Fatal(err)
	}
	if got := fs.Statfs().FreeBlocks; got != free+23 {
		t.Fatalf("free blocks %d, want %d (1 data block of a, 20 data and 1 indirect of b, the attribute block)", got, free+23)
	}
	if err := fs.Unmount(); err != nil {
		t.Fatal(err)
	}
	fsck(t, img)
}
