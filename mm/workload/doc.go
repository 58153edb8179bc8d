// Package workload makes the page-access orders of Pagoda's experiments:
// for a run over a range of P pages, a seeded, reproducible sequence of
// page indices 0..P-1, the same on the host (qemu/cmd/lab, which prints
// the optimal and LRU fault counts of a run, and mm/vm's tests, which
// hold the kernel's policies to them) and in the kernel (the shell's
// fill, check and touch, which make the run with real loads and stores).
// RefString (optimum.go) counts a run's faults in F frames under
// Belady's MIN, exact LRU, FIFO and CLOCK.
//
// The object model: an Order says what kind of sequence (ParseOrder reads
// the shell's words for it), and a Generator, made by New for a number of
// pages, a number of accesses and a seed, hands out the sequence one page
// index at a time (Next). The orders:
//
//	sequential     0, 1, ..., P-1: each page once (the default)
//	random         a permutation of the pages (Permutation): each page once
//	zipf:S         independent draws, page of rank k with probability
//	               ∝ 1/k^S (S > 0); ranks are assigned to pages by a seeded
//	               permutation, so the hot pages are scattered over the range
//	hotcold:H:A    independent draws: H% of the pages (a seeded choice) get
//	               A% of the accesses, uniformly among them; the other pages
//	               share the rest uniformly
//	loop           0, 1, ..., P-1, 0, 1, ...: a cyclic scan, the case LRU
//	               handles worst (every access misses once P exceeds memory)
//	trace:PATH     the page numbers of a trace file (ParseTrace), in order
//
// How many accesses a run makes (Order.DefaultAccesses): sequential and
// random visit each page once, and take no other count; zipf and hotcold
// make P accesses, loop 4P (four scans), trace one per entry of the file.
// Any but sequential and random take another count (accesses=N in the
// shell); a trace shorter than that is replayed from its start again.
//
// Invariants: the same Order, page count, access count and seed give the
// same sequence, on every machine (the random source is math/rand/v2's
// PCG, seeded from the seed alone); every index is below P; Next never
// allocates (tables are made by New: 8 bytes a page for random and for
// zipf's cumulative weights, 4 a page for the rank permutation).
//
// Zipf sampling is by inversion (Devroye, Non-Uniform Random Variate
// Generation, 1986, §III.2.1, "inversion by sequential or binary search"):
// a table of the cumulative weights Σ_{j≤k} 1/j^S, a uniform draw scaled by
// the total, a binary search for the first rank whose cumulative weight
// exceeds it; O(log P) a draw and exact for every S > 0. Go's
// math/rand.Zipf (rejection-inversion, Hörmann and Derflinger 1996)
// requires S > 1, and the exponents measured on real page references are
// near 1 and often below.
//
// Locking: none; a Generator belongs to one goroutine.
//
// Missing: orders with phases (a working set that moves), and read/write
// mixes (touch's r|w applies to every access of a run).
package workload
