package qemu

import (
	"regexp"
	"strconv"
	"testing"
)

// mm.limit=48M caps the memory mm manages: MemFree stays below it, and
// filling more than it is an out-of-memory fault, not a crash. The
// mapping is MAP_NORESERVE: the heuristic overcommit refuses one larger
// than memory.
func TestMemLimit(t *testing.T) {
	vm := boot(t, Options{Append: "mm.limit=48M"})
	if !regexp.MustCompile(`mm.limit: managing 48 MiB of \d+ MiB`).MatchString(vm.Log()) {
		t.Errorf("no mm.limit line at boot")
	}
	mi := run(t, vm, "meminfo")
	m := regexp.MustCompile(`MemFree: +(\d+) kB`).FindStringSubmatch(mi)
	if m == nil {
		t.Fatalf("meminfo: %q", mi)
	}
	if free, _ := strconv.Atoi(m[1]); free > 48<<10 || free < 40<<10 {
		t.Errorf("MemFree %d kB with mm.limit=48M", free)
	}
	a := mmapAddr(t, vm, "mmap 64M rw private,anon,noreserve")
	expectMatch(t, vm, "fill "+a+" 56M 1", `^fault: write of 0x[0-9a-f]+: out of memory`)
	expectOut(t, vm, "munmap "+a+" 64M", "")
	expectOut(t, vm, "echo alive", "alive\n")
	expectMatch(t, vm, "meminfo", `MemFree: +4\d{4} kB`)
	halt(t, vm, 0)
}

func TestMemLimitTooSmall(t *testing.T) {
	vm := boot(t, Options{Append: "mm.limit=1M"})
	if !regexp.MustCompile(`error: mm.limit=1M: .*below the minimum`).MatchString(vm.Log()) {
		t.Errorf("no error for mm.limit=1M")
	}
	halt(t, vm, 0)
}
