//go:build !tamago

package vm

import "testing"

// BenchmarkForkExit is fork and exit of an address space with 16 MiB
// written: the page-table copy, then the child's teardown (the
// user-mode bench's fork-exit-wait row without the process around it).
func BenchmarkForkExit(b *testing.B) {
	e := newEnvSize(b, 64<<20)
	const size = 16 << 20
	e.mmap(0, size, ProtRead|ProtWrite, MapPrivate|MapAnonymous|MapPopulate) // every page its own frame
	b.ResetTimer()
	for range b.N {
		c, err := e.cur.Fork()
		if err != nil {
			b.Fatal(err)
		}
		c.Destroy()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(size/pg), "ns/page")
}
