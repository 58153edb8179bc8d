package qemu

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"
)

// enomem is how the shell reports a refused commit.
const enomem = `^error: %s: vm: cannot allocate memory: commit of \d+ pages`

// commitKB reads CommitLimit and Committed_AS from meminfo, in kB.
func commitKB(t *testing.T, vm *VM) (limit, committed int) {
	t.Helper()
	out := run(t, vm, "meminfo")
	m := regexp.MustCompile(`(?m)^CommitLimit: +(\d+) kB\nCommitted_AS: +(\d+) kB$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("meminfo without CommitLimit and Committed_AS:\n%s", out)
	}
	limit, _ = strconv.Atoi(m[1])
	committed, _ = strconv.Atoi(m[2])
	return limit, committed
}

// mm.overcommit=2: CommitLimit is half of the 64 MiB managed, and no
// mmap, mprotect or fork may take Committed_AS to it; MAP_NORESERVE does
// not help.
func TestOvercommitNever(t *testing.T) {
	vm := boot(t, Options{Append: "mm.limit=64M mm.overcommit=2"})
	m := regexp.MustCompile(`mm.overcommit: 2 \(never\), ratio 50%: CommitLimit (\d+) kB`).FindStringSubmatch(vm.Log())
	if m == nil {
		t.Fatalf("no mm.overcommit line at boot")
	}
	limit, committed := commitKB(t, vm)
	if m[1] != strconv.Itoa(limit) || limit > 32<<10 || limit < 30<<10 || committed != 0 {
		t.Fatalf("CommitLimit %d kB (boot said %s), Committed_AS %d kB: want about half of 64 MiB, and nothing", limit, m[1], committed)
	}
	expectMatch(t, vm, "mmap 48M rw private,anon", fmt.Sprintf(enomem, "mmap"))
	expectMatch(t, vm, "mmap 48M rw private,anon,noreserve", fmt.Sprintf(enomem, "mmap"))
	expectMatch(t, vm, "mmap 48M r shared,anon", fmt.Sprintf(enomem, "mmap"))
	a := mmapAddr(t, vm, "mmap 1M rw private,anon")
	expectOut(t, vm, "fill "+a+" 1M 3", "")
	expectOut(t, vm, "check "+a+" 1M 3", "ok\n")
	if _, c := commitKB(t, vm); c != 1024 {
		t.Errorf("Committed_AS %d kB after a 1 MiB mapping", c)
	}
	// Up to one page below the limit, as Linux: Committed_AS stays below
	// CommitLimit.
	room := limit - 1024 - 4
	b := mmapAddr(t, vm, fmt.Sprintf("mmap %dK rw private,anon", room))
	expectMatch(t, vm, "mmap 4K rw private,anon", fmt.Sprintf(enomem, "mmap"))
	r := mmapAddr(t, vm, "mmap 8M r private,anon")
	expectMatch(t, vm, "mprotect "+r+" 4K rw", fmt.Sprintf(enomem, "mprotect"))
	expectMatch(t, vm, "fork", fmt.Sprintf(enomem, "fork"))
	if _, c := commitKB(t, vm); c != limit-4 {
		t.Errorf("Committed_AS %d kB, want %d", c, limit-4)
	}
	expectOut(t, vm, fmt.Sprintf("munmap %s %dK", b, room), "")
	expectOut(t, vm, "mprotect "+r+" 4M rw", "")
	expectOut(t, vm, "fork", "2\n")
	if _, c := commitKB(t, vm); c != 2*(1024+4096) {
		t.Errorf("Committed_AS %d kB after the fork, want %d", c, 2*(1024+4096))
	}
	expectOut(t, vm, "as free 2", "")
	expectOut(t, vm, "munmap "+a+" 1M", "")
	expectOut(t, vm, "munmap "+r+" 8M", "")
	if _, c := commitKB(t, vm); c != 0 {
		t.Errorf("Committed_AS %d kB with nothing mapped", c)
	}
	halt(t, vm, 0)
}

// mm.overcommit=1 refuses nothing, and counts it all.
func TestOvercommitAlways(t *testing.T) {
	vm := boot(t, Options{Append: "mm.limit=64M mm.overcommit=1"})
	if !regexp.MustCompile(`mm.overcommit: 1 \(always\), ratio 50%: CommitLimit \d+ kB`).MatchString(vm.Log()) {
		t.Errorf("no mm.overcommit line at boot")
	}
	a := mmapAddr(t, vm, "mmap 48M rw private,anon")
	b := mmapAddr(t, vm, "mmap 1G rw private,anon")
	limit, c := commitKB(t, vm)
	if c != 48<<10+1<<20 || limit > 32<<10 {
		t.Errorf("CommitLimit %d kB, Committed_AS %d kB: want past the limit, 48 MiB + 1 GiB", limit, c)
	}
	expectOut(t, vm, "fill "+b+" 1M 4", "")
	expectOut(t, vm, "check "+b+" 1M 4", "ok\n")
	expectOut(t, vm, "munmap "+a+" 48M", "")
	expectOut(t, vm, "munmap "+b+" 1G", "")
	halt(t, vm, 0)
}

// Invalid values are reported at boot and ignored: the heuristic stays,
// which refuses only one mapping larger than memory.
func TestOvercommitInvalid(t *testing.T) {
	vm := boot(t, Options{Append: "mm.limit=64M mm.overcommit=3 mm.overcommit_ratio=half"})
	for _, re := range []string{
		`error: mm.overcommit=3: want 0 \(heuristic\), 1 \(always\) or 2 \(never\) \(ignored\)`,
		`error: mm.overcommit_ratio=half: want a whole percentage.* \(ignored\)`,
		`mm.overcommit: 0 \(guess\), ratio 50%: CommitLimit \d+ kB`,
	} {
		if !regexp.MustCompile(re).MatchString(vm.Log()) {
			t.Errorf("boot log lacks %s", re)
		}
	}
	a := mmapAddr(t, vm, "mmap 48M rw private,anon")
	b := mmapAddr(t, vm, "mmap 48M rw private,anon")
	expectMatch(t, vm, "mmap 128M rw private,anon", fmt.Sprintf(enomem, "mmap"))
	c := mmapAddr(t, vm, "mmap 128M rw private,anon,noreserve")
	if _, n := commitKB(t, vm); n != 96<<10 {
		t.Errorf("Committed_AS %d kB, want 96 MiB", n)
	}
	expectOut(t, vm, "munmap "+a+" 48M", "")
	expectOut(t, vm, "munmap "+b+" 48M", "")
	expectOut(t, vm, "munmap "+c+" 128M", "")
	halt(t, vm, 0)
}
