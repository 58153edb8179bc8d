package ext2

import (
	"fmt"
	"testing"
)

// checkBlockMap compares BlockAt with a walk of the on-disk tree for the
// given file blocks, and checks that the map ends where the file does.
func checkBlockMap(t *testing.T, ino *Inode, blocks []uint64) {
	t.Helper()
	fs := ino.fs
	n := ino.blockCount()
	for _, k := range blocks {
		got, ok := ino.BlockAt(k)
		if k >= n {
			if ok {
				t.Fatalf("BlockAt(%d) past the end (%d blocks) ok", k, n)
			}
			continue
		}
		fs.mu.Lock()
		want, err := fs.bmap(ino, k)
		fs.mu.Unlock()
		if err != nil || !ok || got != want {
			t.Fatalf("BlockAt(%d) = %d, %v; tree says %d, %v", k, got, ok, want, err)
		}
	}
}

func TestBlockMap(t *testing.T) {
	for _, bs := range []int{1024, 4096} {
		t.Run(fmt.Sprint(bs), func(t *testing.T) {
			dev := memImage(t, mkfs(t, bs, "16M", ""))
			fs := mustMount(t, dev)
			ino, err := fs.Create("/f", 0o644)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := ino.BlockAt(0); ok {
				t.Fatal("BlockAt ok before LoadBlockMap")
			}
			// Sequential data lands contiguously (the single indirect
			// block sits between direct block 11 and block 12).
			if _, err := ino.WriteAt(pattern(1, 40*bs), 0); err != nil {
				t.Fatal(err)
			}
			if err := ino.LoadBlockMap(); err != nil {
				t.Fatal(err)
			}
			for k := uint64(1); k < 40; k++ {
				prev, _ := ino.BlockAt(k - 1)
				cur, _ := ino.BlockAt(k)
				if want := prev + 1 + map[bool]uint64{true: 1}[k == nDirect]; cur != want {
					t.Fatalf("block %d at %d after %d: not contiguous", k, cur, prev)
				}
			}
			p := uint64(bs / 4)
			samples := func() []uint64 {
				var s []uint64
				for k := uint64(0); k < 60; k++ {
					s = append(s, k)
				}
				for _, base := range []uint64{nDirect + p, nDirect + p + p*p, nDirect + p + p*p + p*p*p/2} {
					for d := uint64(0); d < 4; d++ {
						s = append(s, base-2+d, base+d*p)
					}
				}
				return s
			}
			checkBlockMap(t, ino, samples())
			// A second opener shares the map.
			same, _ := fs.Open("/f")
			if same != ino {
				t.Fatal("second Open returned another Inode")
			}
			same.Close()
			steps := []func() error{
				func() error { _, err := ino.WriteAt([]byte("hole fill"), int64(nDirect+p+3)*int64(bs)); return err },
				func() error { _, err := ino.WriteAt([]byte("triple"), int64(nDirect+p+p*p+2)*int64(bs)); return err },
				func() error { return ino.Truncate(int64(nDirect+p+p*p+1) * int64(bs)) },
				func() error { return ino.Truncate(int64(20*bs) + 5) },
				func() error { return ino.Truncate(int64(nDirect+p+1) * int64(bs)) }, // grow: a hole
				func() error { _, err := ino.WriteAt([]byte("end"), int64(nDirect+p)*int64(bs)); return err },
				func() error { return ino.Truncate(0) },
				func() error { _, err := ino.WriteAt([]byte("again"), 3); return err },
			}
			for i, step := range steps {
				if err := step(); err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				checkBlockMap(t, ino, samples())
				checkCounts(t, fs)
			}
			if allocs := testing.AllocsPerRun(100, func() { ino.BlockAt(2) }); allocs != 0 {
				t.Fatalf("BlockAt allocates %v times", allocs)
			}
			ino.Close()
			if err := fs.Unmount(); err != nil {
				t.Fatal(err)
			}
			fsck(t, saveImage(t, dev))
		})
	}
}

// BenchmarkBlockMap measures BlockAt over a loaded map of a 64 MiB file
// (1 KiB blocks: direct, single and double indirect), the page cache's
// lookup on a fault.
func BenchmarkBlockMap(b *testing.B) {
	dev := memImage(b, mkfs(b, 1024, "80M", ""))
	fs := mustMount(b, dev)
	ino, err := fs.Create("/big", 0o644)
	if err != nil {
		b.Fatal(err)
	}
	const size = 64 << 20
	chunk := make([]byte, 1<<20)
	for off := int64(0); off < size; off += int64(len(chunk)) {
		if _, err := ino.WriteAt(chunk, off); err != nil {
			b.Fatal(err)
		}
	}
	if err := ino.LoadBlockMap(); err != nil {
		b.Fatal(err)
	}
	nblocks := uint64(size / 1024)
	b.ReportAllocs()
	b.ResetTimer()
	var sum uint64
	for i := 0; b.Loop(); i++ {
		d, _ := ino.BlockAt(uint64(i*7919) % nblocks)
		sum += d
	}
	if sum == 0 {
		b.Fatal("no blocks mapped")
	}
}
