package ext2

import (
	"fmt"
	"strings"
	"testing"
)

// dirRoom is the most room one insertion into the directory at path can
// use without growing it: an unused record's whole rec_len, or the slack
// after a used record's name.
func dirRoom(t *testing.T, fs *FS, path string) int {
	t.Helper()
	dir, err := fs.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	room := 0
	err = fs.eachDirent(dir, func(_ uint64, _ []byte, _, de dirent) (bool, error) {
		r := de.recLen
		if de.ino != 0 {
			r -= recLenFor(len(de.name))
		}
		room = max(room, r)
		return false, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return room
}

// A name whose record takes exactly the room left in a directory block
// goes there, as Linux ext2_add_link (rec_len >= needed): the directory
// keeps its size and blocks. e2fsck cannot tell a needless block from a needed one, so this is
// checked on the directory's own size.
func TestDirExactFit(t *testing.T) {
	for _, bs := range []int{1024, 4096} {
		for _, tc := range []struct {
			name string
			// hole leaves the room the exact fit goes into, after
			// the directory's blocks are full but for less than a
			// 32-byte record; it returns the room.
			hole func(t *testing.T, fs *FS, add func(name string)) int
		}{
			{"slack after the last record", func(t *testing.T, fs *FS, add func(string)) int {
				return dirRoom(t, fs, "/d")
			}},
			{"record left unused by an unlink", func(t *testing.T, fs *FS, add func(string)) int {
				// The first record of a new block, unlinked: its
				// rec_len (48) stays as an unused record.
				add(strings.Repeat("a", 40))
				fill(t, fs, "b", add)
				if err := fs.Unlink("/d/" + strings.Repeat("a", 40)); err != nil {
					t.Fatal(err)
				}
				return dirRoom(t, fs, "/d")
			}},
		} {
			t.Run(fmt.Sprint(bs, "/", tc.name), func(t *testing.T) {
				img := mkfs(t, bs, "4M", "")
				fs := mustMount(t, openFileDevice(t, img))
				if err := fs.Mkdir("/d", 0o755); err != nil {
					t.Fatal(err)
				}
				add := func(name string) {
					t.Helper()
					ino, err := fs.Create("/d/"+name, 0o644)
					if err != nil {
						t.Fatalf("create %s: %v", name, err)
					}
					ino.Close()
				}
				fill(t, fs, "a", add)
				room := tc.hole(t, fs, add)
				if room < recLenFor(1) || room > recLenFor(maxNameLen) {
					t.Fatalf("room %d: no name fits it exactly", room)
				}
				before, err := fs.Lstat("/d")
				if err != nil {
					t.Fatal(err)
				}
				exact := strings.Repeat("x", room-direntHeader) // recLenFor == room
				add(exact)
				after, _ := fs.Lstat("/d")
				if after.Size != before.Size || after.Blocks != before.Blocks {
					t.Fatalf("a %d-byte record into %d bytes of room: directory size %d → %d, i_blocks %d → %d", recLenFor(len(exact)), room, before.Size, after.Size, before.Blocks, after.Blocks)
				}
				if r := dirRoom(t, fs, "/d"); r >= room {
					t.Fatalf("room %d left after the exact fit into %d", r, room)
				}
				if _, err := fs.Lstat("/d/" + exact); err != nil {
					t.Fatal(err)
				}
				if err := fs.Unmount(); err != nil {
					t.Fatal(err)
				}
				fsck(t, img)
			})
		}
	}
}

// fill adds 12-byte names (20-byte records) to /d until less than 40
// bytes of room are left in its blocks, without growing it.
// prefix is one byte that keeps the names of each call apart.
func fill(t *testing.T, fs *FS, prefix string, add func(name string)) {
	t.Helper()
	for i := 0; dirRoom(t, fs, "/d") >= 40; i++ {
		add(fmt.Sprintf("%s-name-%05d", prefix, i))
	}
}
