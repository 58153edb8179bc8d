package workload

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Bounds of New.
const (
	// MaxTablePages bounds the pages of the orders that keep a table per
	// page (random: 8 bytes a page; zipf: 12; hotcold: 4): 1 Mi
	// pages, a 4 GiB range, 12 MiB of tables at most, in a kernel whose
	// whole Go heap is 96 MiB (boot.RuntimeSize).
	MaxTablePages = 1 << 20
	// MaxAccesses bounds a run: 4 Gi accesses, minutes of touch.
	MaxAccesses = 1 << 32
)

// Streams of the PCG (its second seed word), one per use of the seed, so
// that the draws do not repeat the permutation's.
const (
	permutationStream = 0x5061676f6461 // "Pagoda": the shell's permutation's, kept
	drawStream        = 0x5061676f6462
)

// Generator hands out the page indices of one run. Make it with New.
type Generator struct {
	order    Order
	pages    uint64
	accesses uint64
	next     uint64 // accesses handed out so far, ≤ accesses
	rng      *rand.Rand
	// perm is random's permutation (Permutation).
	perm []uint64
	// rank maps a Zipf rank - 1, or a hotcold position, to a page: a
	// seeded permutation. HotCold's hot pages are rank[:hot].
	rank []uint32
	// cum is Zipf's cumulative weights: cum[k] = Σ_{j≤k} 1/(j+1)^S,
	// strictly increasing while the weights do not underflow.
	cum []float64
	hot uint64 // HotCold: the number of hot pages, 1..pages
}

// New makes the generator of a run of accesses page indices below pages
// in order o, seeded by seed; accesses 0 means o.DefaultAccesses(pages).
// A trace's Pages must be read first, and each must be below pages.
func New(o Order, pages, accesses, seed uint64) (*Generator, error) {
	if pages == 0 {
		return nil, fmt.Errorf("%w: a run over 0 pages", ErrInvalid)
	}
	if accesses == 0 {
		accesses = o.DefaultAccesses(pages)
	}
	if o.OncePerPage() && accesses != pages {
		return nil, fmt.Errorf("%w: order %s visits each of the %d pages once: %d accesses asked", ErrInvalid, o, pages, accesses)
	}
	if accesses == 0 || accesses > MaxAccesses {
		return nil, fmt.Errorf("%w: %d accesses (1..%d)", ErrInvalid, accesses, uint64(MaxAccesses))
	}
	g := &Generator{order: o, pages: pages, accesses: accesses}
	switch o.Kind {
	case Sequential, Loop:
	case Random:
		if pages > MaxTablePages {
			return nil, fmt.Errorf("%w: order %s over %d pages (at most %d)", ErrTooLarge, o, pages, MaxTablePages)
		}
		g.perm = Permutation(pages, seed)
	case Zipf, HotCold:
		if pages > MaxTablePages {
			return nil, fmt.Errorf("%w: order %s over %d pages (at most %d)", ErrTooLarge, o, pages, MaxTablePages)
		}
		if o.Kind == Zipf && !(o.S > 0 && !math.IsInf(o.S, 0)) {
			return nil, fmt.Errorf("%w: zipf exponent %v", ErrInvalid, o.S)
		}
		if o.Kind == HotCold && (o.HotPages == 0 || o.HotPages >= 100 || o.HotAccesses > 100) {
			return nil, fmt.Errorf("%w: order %s", ErrInvalid, o)
		}
		g.rank = rankPermutation(pages, seed)
		g.rng = rand.New(rand.NewPCG(seed, drawStream))
		if o.Kind == Zipf {
			g.cum = zipfTable(pages, o.S)
		} else {
			g.hot = hotPages(pages, o.HotPages)
		}
	case Trace:
		if len(o.Pages) == 0 {
			return nil, fmt.Errorf("%w: trace %s has no page numbers", ErrInvalid, o.Path)
		}
		for i, p := range o.Pages {
			if p >= pages {
				return nil, fmt.Errorf("%w: trace %s: entry %d is page %d, the range has %d pages", ErrInvalid, o.Path, i+1, p, pages)
			}
		}
	default:
		return nil, fmt.Errorf("%w: order kind %v", ErrInvalid, o.Kind)
	}
	return g, nil
}

// Len is the number of accesses of the run.
func (g *Generator) Len() uint64 { return g.accesses }

// Pages is the number of pages of the run.
func (g *Generator) Pages() uint64 { return g.pages }

// Next returns the next page index of the run, or ok false once the run
// is over. It does not allocate.
func (g *Generator) Next() (page uint64, ok bool) {
	if g.next == g.accesses {
		return 0, false
	}
	i := g.next
	g.next++
	switch g.order.Kind {
	case Sequential:
		return i, true
	case Random:
		return g.perm[i], true
	case Loop:
		return i % g.pages, true
	case Trace:
		return g.order.Pages[i%uint64(len(g.order.Pages))], true
	case Zipf:
		return uint64(g.rank[g.zipfRank()]), true
	case HotCold:
		return uint64(g.rank[g.hotColdPosition()]), true
	}
	panic("workload.Next: generator of an unknown kind")
}

// Permutation is 0..n-1 in an order seeded by seed (a Fisher-Yates
// shuffle over PCG): the random order, each page once, which defeats
// readahead and LRU. The shell's order=random since before this package, unchanged.
func Permutation(n, seed uint64) []uint64 {
	r := rand.New(rand.NewPCG(seed, permutationStream))
	p := make([]uint64, n)
	for i := range p {
		p[i] = uint64(i)
	}
	r.Shuffle(len(p), func(i, j int) { p[i], p[j] = p[j], p[i] })
	return p
}

// rankPermutation is Permutation in 4-byte entries, for n ≤
// MaxTablePages: which page has each Zipf rank, or each hotcold
// position.
func rankPermutation(n, seed uint64) []uint32 {
	r := rand.New(rand.NewPCG(seed, permutationStream))
	p := make([]uint32, n)
	for i := range p {
		p[i] = uint32(i)
	}
	r.Shuffle(len(p), func(i, j int) { p[i], p[j] = p[j], p[i] })
	return p
}

// zipfTable is the cumulative weights of ranks 1..n: cum[k] = Σ_{j=1}^{k+1}
// 1/j^s.
func zipfTable(n uint64, s float64) []float64 {
	cum := make([]float64, n)
	sum := 0.0
	for k := range cum {
		sum += math.Pow(float64(k+1), -s)
		cum[k] = sum
	}
	return cum
}

// zipfRank draws a rank - 1 by inversion: the first k with cum[k] > u,
// u uniform in [0, total).
func (g *Generator) zipfRank() uint64 {
	u := g.rng.Float64() * g.cum[len(g.cum)-1]
	lo, hi := 0, len(g.cum)-1 // the answer is in [lo, hi]
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if g.cum[mid] > u {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return uint64(lo)
}

// hotPages is how many of n pages are hot at pct percent: rounded to the
// nearest, at least 1, and fewer than n when there are two pages or more
// so that both sets exist.
func hotPages(n uint64, pct uint8) uint64 {
	h := (n*uint64(pct) + 50) / 100
	if n >= 2 {
		return min(max(h, 1), n-1)
	}
	return 1
}

// hotColdPosition draws a position in rank: one of the hot ones [0, hot)
// with probability HotAccesses%, else one of the cold ones [hot, pages),
// uniformly within the set.
func (g *Generator) hotColdPosition() uint64 {
	cold := g.pages - g.hot
	if cold == 0 || g.rng.Uint64N(100) < uint64(g.order.HotAccesses) {
		return g.rng.Uint64N(g.hot)
	}
	return g.hot + g.rng.Uint64N(cold)
}
