package workload

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Errors of ParseOrder, New and ParseTrace.
var (
	// ErrInvalid: an order, count or trace that does not make a run.
	ErrInvalid = errors.New("workload: invalid")
	// ErrTooLarge: tables or a trace past the package's bounds.
	ErrTooLarge = errors.New("workload: too large")
)

// Kind is the kind of an Order.
type Kind uint8

const (
	Sequential Kind = iota // each page once, in order
	Random                 // each page once, in a seeded permutation
	Zipf                   // independent draws, Zipf over the pages' ranks
	HotCold                // independent draws, a hot set and the rest
	Loop                   // cyclic scans over all the pages
	Trace                  // the page numbers of a trace file
)

var kindNames = [...]string{Sequential: "sequential", Random: "random", Zipf: "zipf", HotCold: "hotcold", Loop: "loop", Trace: "trace"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Order is a kind of access sequence and its parameters.
type Order struct {
	Kind Kind
	// S is Zipf's exponent: rank k has probability ∝ 1/k^S. S > 0.
	S float64
	// HotPages is HotCold's share of the pages that are hot, HotAccesses
	// the share of accesses they get, in percent: 0 < HotPages < 100,
	// HotAccesses ≤ 100.
	HotPages, HotAccesses uint8
	// Path is Trace's file, as written after "trace:".
	Path string
	// Pages is Trace's sequence, which the caller reads from Path
	// (ParseTrace) before New: the file is the host's in the lab and
	// the VFS's in the kernel.
	Pages []uint64
}

// OrderSyntax lists the words ParseOrder takes, for error messages.
const OrderSyntax = "sequential, random, zipf:S, hotcold:H:A, loop, trace:PATH"

// ParseOrder reads an order as the shell writes it after "order=":
// "sequential", "random", "zipf:S" (S a positive number, e.g. 0.8),
// "hotcold:H:A" (whole percentages, 0 < H < 100, 0 ≤ A ≤ 100: H% of the
// pages get A% of the accesses), "loop", "trace:PATH". A trace's Pages
// are left for the caller to read.
func ParseOrder(s string) (Order, error) {
	name, arg, hasArg := strings.Cut(s, ":")
	bad := func(why string) (Order, error) {
		return Order{}, fmt.Errorf("%w: order %q: %s", ErrInvalid, s, why)
	}
	switch name {
	case "sequential", "random", "loop":
		if hasArg {
			return bad(name + " takes no parameter")
		}
		return Order{Kind: map[string]Kind{"sequential": Sequential, "random": Random, "loop": Loop}[name]}, nil
	case "zipf":
		v, err := strconv.ParseFloat(arg, 64)
		if !hasArg || err != nil || !(v > 0) || math.IsInf(v, 0) {
			return bad("want zipf:S with S a positive number, e.g. zipf:0.8")
		}
		return Order{Kind: Zipf, S: v}, nil
	case "hotcold":
		hs, as, ok := strings.Cut(arg, ":")
		h, err1 := strconv.ParseUint(hs, 10, 8)
		a, err2 := strconv.ParseUint(as, 10, 8)
		if !hasArg || !ok || err1 != nil || err2 != nil || h == 0 || h >= 100 || a > 100 {
			return bad("want hotcold:H:A, H% of the pages getting A% of the accesses, 0 < H < 100, 0 ≤ A ≤ 100, e.g. hotcold:10:90")
		}
		return Order{Kind: HotCold, HotPages: uint8(h), HotAccesses: uint8(a)}, nil
	case "trace":
		if !hasArg || arg == "" {
			return bad("want trace:PATH")
		}
		return Order{Kind: Trace, Path: arg}, nil
	}
	return bad("unknown order (" + OrderSyntax + ")")
}

// String is the order as ParseOrder reads it.
func (o Order) String() string {
	switch o.Kind {
	case Zipf:
		return "zipf:" + strconv.FormatFloat(o.S, 'g', -1, 64)
	case HotCold:
		return fmt.Sprintf("hotcold:%d:%d", o.HotPages, o.HotAccesses)
	case Trace:
		return "trace:" + o.Path
	}
	return o.Kind.String()
}

// OncePerPage reports whether the order visits each page exactly once
// (sequential, random): a run of these is the page count, no other.
func (o Order) OncePerPage() bool { return o.Kind == Sequential || o.Kind == Random }

// DefaultAccesses is the length of a run over pages pages when none is
// asked for: pages for sequential, random, zipf and hotcold; 4 × pages
// (four scans) for loop; the trace's length for trace.
func (o Order) DefaultAccesses(pages uint64) uint64 {
	switch o.Kind {
	case Loop:
		return 4 * pages
	case Trace:
		return uint64(len(o.Pages))
	}
	return pages
}
