//go:build !tamago

package shell

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/pagoda-os/pagoda/mm/workload"
)

// visits is the pages a run visits, counted, and the order of its first
// visits: the package's own run, which the shell must follow.
func visits(t *testing.T, order string, pages, accesses, seed uint64, trace []uint64) (count map[uint64]int) {
	t.Helper()
	o, err := workload.ParseOrder(order)
	if err != nil {
		t.Fatal(err)
	}
	o.Pages = trace
	g, err := workload.New(o, pages, accesses, seed)
	if err != nil {
		t.Fatal(err)
	}
	count = map[uint64]int{}
	for p, ok := g.Next(); ok; p, ok = g.Next() {
		count[p]++
	}
	return count
}

// fill, check and touch under each order: fill writes the pages its run
// visits, check verifies the pages its own run visits, touch faults once
// on each distinct page it visits.
func TestOrders(t *testing.T) {
	run, _ := simFileShell(t, 0x36_0000_0000, 16<<20)
	const base = 0x7fffffff0000
	if got := run("mmap 64K rw private,anon"); got != fmt.Sprintf("%#x\n", base) {
		t.Fatalf("mmap: %q", got)
	}
	// hotcold:10:100 with 8 accesses visits only the 2 hot pages of 16:
	// the same order checks them; a sequential check finds the first
	// page fill never wrote.
	hot := visits(t, "hotcold:10:100", 16, 8, 5, nil)
	if len(hot) != 2 {
		t.Fatalf("hotcold:10:100 visits %d pages of 16", len(hot))
	}
	unwritten := uint64(0)
	for hot[unwritten] > 0 {
		unwritten++
	}
	runLines(t, run, []lineWant{
		{"fill 0x7fffffff0000 64K 5 order=hotcold:10:100 accesses=8", ""},
		{"check 0x7fffffff0000 64K 5 order=hotcold:10:100 accesses=8", "ok\n"},
		{"check 0x7fffffff0000 64K 5", fmt.Sprintf("mismatch at %#x: %#016x, want %#016x\n",
			base+unwritten*4096, 0, patternWord(5, base+unwritten*4096))},
		// Four scans (loop's default) write every page; a zipf check
		// reads some of them, many times, and a random one all.
		{"fill 0x7fffffff0000 64K 6 order=loop", ""},
		{"check 0x7fffffff0000 64K 6", "ok\n"},
		{"check 0x7fffffff0000 64K 6 order=zipf:1 accesses=1000", "ok\n"},
		{"check 0x7fffffff0000 64K 6 order=zipf:0.8", "ok\n"},
		{"check 0x7fffffff0000 64K 6 order=random", "ok\n"},
		{"check 0x7fffffff0000 64K 6 order=sequential", "ok\n"},
		// A range that starts inside a page: page 0 is ADDR's.
		{"fill 0x7fffffff0ff8 16 9 order=loop accesses=2", ""},
		{"check 0x7fffffff0ff8 16 9", "ok\n"},
		{"check 0x7fffffff0ff0 8 6", "ok\n"},
	})

	// touch: one fault per distinct page visited, on fresh memory.
	for i, tc := range []struct {
		order    string
		accesses uint64
	}{{"zipf:1", 200}, {"zipf:1.2", 0}, {"hotcold:10:90", 100}, {"loop", 0}} {
		addr := uint64(0x7ffff0000000) + uint64(i)<<24
		if got := run(fmt.Sprintf("mmap 64K rw private,anon,fixed=%#x", addr)); got != fmt.Sprintf("%#x\n", addr) {
			t.Fatalf("mmap: %q", got)
		}
		line := fmt.Sprintf("touch %#x 64K w order=%s seed=3", addr, tc.order)
		n := tc.accesses
		if n != 0 {
			line += fmt.Sprintf(" accesses=%d", n)
		}
		seen := visits(t, tc.order, 16, n, 3, nil)
		if n == 0 {
			for _, c := range seen {
				n += uint64(c)
			}
		}
		want := fmt.Sprintf(`^touched 16 pages %d times in order %s: %d faults \(0 major\), \d+ ns, \d+ ns/access, \d+ cycles/access\n$`,
			n, regexp.QuoteMeta(tc.order), len(seen))
		if got := run(line); !regexp.MustCompile(want).MatchString(got) {
			t.Errorf("%s: %q, want %s", line, got, want)
		}
	}
	// The sequential and random orders keep touch's line.
	if got := run("touch 0x7ffff0000000 64K r order=random seed=2"); !regexp.MustCompile(`^touched 16 pages: 0 faults, `).MatchString(got) {
		t.Errorf("touch order=random: %q", got)
	}

	// A trace from the VFS: pages 0, 3, 3, 15 of the range.
	runLines(t, run, []lineWant{
		{"mmap 64K rw private,anon,fixed=0x7fffe0000000", "0x7fffe0000000\n"},
		{"write /tmp/t # pages", ""},
		{"write -a /tmp/t 0", ""},
		{"write -a /tmp/t 3", ""},
		{"write -a /tmp/t 3", ""},
		{"write -a /tmp/t 15", ""},
		{"fill 0x7fffe0000000 64K 2 order=trace:/tmp/t", ""},
		{"check 0x7fffe0000000 4K 2", "ok\n"},
		{"check 0x7fffe0003000 4K 2", "ok\n"},
		{"check 0x7fffe000f000 4K 2", "ok\n"},
		{"check 0x7fffe0001000 4K 2", fmt.Sprintf("mismatch at 0x7fffe0001000: %#016x, want %#016x\n", 0, patternWord(2, 0x7fffe0001000))},
		{"check 0x7fffe0000000 64K 2 order=trace:/tmp/t accesses=9", "ok\n"},
	})
	if got := run("touch 0x7fffe0000000 64K r order=trace:/tmp/t"); !strings.HasPrefix(got, "touched 16 pages 4 times in order trace:/tmp/t: ") {
		t.Errorf("touch order=trace: %q", got)
	}

	// Bad options are errors that say what is wanted.
	runLines(t, run, []lineWant{
		{"fill 0x7fffffff0000 64K 1 order=bogus", "error: fill: workload: invalid: order \"bogus\": unknown order (sequential, random, zipf:S, hotcold:H:A, loop, trace:PATH)\n"},
		{"fill 0x7fffffff0000 64K 1 order=zipf:0", "error: fill: workload: invalid: order \"zipf:0\": want zipf:S with S a positive number, e.g. zipf:0.8\n"},
		{"check 0x7fffffff0000 64K 1 order=hotcold:10", "error: check: workload: invalid: order \"hotcold:10\": want hotcold:H:A, H% of the pages getting A% of the accesses, 0 < H < 100, 0 ≤ A ≤ 100, e.g. hotcold:10:90\n"},
		{"fill 0x7fffffff0000 64K 1 order=random accesses=5", "error: fill: workload: invalid: order random visits each of the 16 pages once: 5 accesses asked\n"},
		{"fill 0x7fffffff0000 64K 1 accesses=0", "error: fill: accesses=0 out of range 1..4294967296\n"},
		{"fill 0x7fffffff0000 64K 1 accesses=x", "error: fill: bad number \"x\": unexpected 'x'\n"},
		{"fill 0x7fffffff0000 64K 1 seed=2", "error: fill: \"seed=2\": the options are order=O, accesses=N\n"},
		{"fill 0x7fffffff0000 64K 1 random", "error: fill: \"random\": the options are order=O, accesses=N\n"},
		{"fill 0x7fffffff0000 64K 1 order=loop order=loop", "error: fill: order= twice\n"},
		{"touch 0x7fffffff0000 64K r order=loop speed=2", "error: touch: \"speed=2\": the options are order=O, accesses=N, seed=N\n"},
		{"touch 0x7fffffff0000 64K r seed=-1", "error: touch: bad number \"-1\": unexpected '-'\n"},
		{"fill 0x7fffffff0000 64K 1 order=trace:/tmp/none", "error: fill: tmpfs: no such file or directory: \"/none\"\n"},
		{"fill 0x7fffffff0000 8K 1 order=trace:/tmp/t", "error: fill: workload: invalid: trace /tmp/t: entry 2 is page 3, the range has 2 pages\n"},
		{"touch 0x7ff000000000 8G r order=zipf:1", "error: touch: workload: too large: order zipf:1 over 2097152 pages (at most 1048576)\n"},
		{"write /tmp/bad 1 2", ""},
		{"touch 0x7fffffff0000 64K r order=trace:/tmp/bad", "error: touch: /tmp/bad: workload: invalid: trace line 1: \"1 2\" is not a page number\n"},
	})
}
