package amd64

import (
	"errors"
	"testing"
)

func TestRedirectionEntry(t *testing.T) {
	for _, tc := range []struct {
		vector, dest uint8
		want         uint64
	}{
		{0x20, 0, 0x0000_0000_0000_0020},
		{0x4f, 0, 0x0000_0000_0000_004f},
		{0xfe, 3, 0x0300_0000_0000_00fe},
	} {
		e := RedirectionEntry(tc.vector, tc.dest)
		if e != tc.want {
			t.Errorf("RedirectionEntry(%#x, %d) = %#x, want %#x", tc.vector, tc.dest, e, tc.want)
		}
		// Fixed delivery, physical destination, active high, edge,
		// unmasked: every one of those fields is zero.
		if e&(redirDeliveryMode|redirDestLogical|redirActiveLow|redirLevel|redirMasked) != 0 {
			t.Errorf("RedirectionEntry(%#x, %d) = %#x: not fixed/physical/high/edge/unmasked", tc.vector, tc.dest, e)
		}
	}
	if MaskedEntry&redirMasked == 0 {
		t.Errorf("MaskedEntry %#x is not masked", MaskedEntry)
	}
}

func TestPinOf(t *testing.T) {
	ioapics := []IOAPIC{{Base: 0xfec00000, GSIBase: 0, Pins: 24}, {Base: 0xfec10000, GSIBase: 24, Pins: 24}}
	for _, tc := range []struct {
		gsi     int
		base    uint64
		pin     int
		wantErr error
	}{
		{0, 0xfec00000, 0, nil},
		{8, 0xfec00000, 8, nil},
		{23, 0xfec00000, 23, nil},
		{24, 0xfec10000, 0, nil},
		{47, 0xfec10000, 23, nil},
		{48, 0, 0, ErrGSI},
		{-1, 0, 0, ErrGSI},
	} {
		a, pin, err := pinOf(ioapics, tc.gsi)
		if !errors.Is(err, tc.wantErr) || err == nil && (a.Base != tc.base || pin != tc.pin) {
			t.Errorf("pinOf(%d) = %#x pin %d, %v; want %#x pin %d, %v", tc.gsi, a.Base, pin, err, tc.base, tc.pin, tc.wantErr)
		}
	}
	if _, _, err := pinOf(ioapics[:1], 24); !errors.Is(err, ErrGSI) {
		t.Errorf("pinOf(24) without the second IOAPIC: %v, want ErrGSI", err)
	}
}

func TestIOAPICPins(t *testing.T) {
	for _, tc := range []struct {
		version uint32
		want    int
	}{
		{0x0017_0020, 24}, // QEMU's IOAPIC: version 0x20, entries 0..23
		{0x0017_0011, 24}, // 82093AA
		{0, 0},            // nothing there
		{0xffff_ffff, 0},  // nothing there either
		{0x0000_0020, 0},
	} {
		if got := ioapicPins(tc.version); got != tc.want {
			t.Errorf("ioapicPins(%#x) = %d, want %d", tc.version, got, tc.want)
		}
	}
}

func TestCheckIRQVector(t *testing.T) {
	for v := -1; v <= 256; v++ {
		err := checkIRQVector(v)
		if ok := v >= 32 && v <= 254; ok != (err == nil) {
			t.Errorf("checkIRQVector(%d) = %v", v, err)
		}
	}
}
