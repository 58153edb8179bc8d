package boot

import (
	"errors"
	"testing"
)

func TestParseVirtioMMIODevice(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want VirtioMMIODevice
		ok   bool
	}{
		// What QEMU 7.2 microvm,acpi=off appends for transport 7.
		{"512@0xfeb00e00:12", VirtioMMIODevice{Base: 0xfeb00e00, Size: 512, GSI: 12}, true},
		{"0x200@0xfeb00000:5", VirtioMMIODevice{Base: 0xfeb00000, Size: 512, GSI: 5}, true},
		{"4K@0xd0000000:47:3", VirtioMMIODevice{Base: 0xd0000000, Size: 4096, GSI: 47}, true},
		{"1M@4026531840:9", VirtioMMIODevice{Base: 0xf0000000, Size: 1 << 20, GSI: 9}, true},
		{"", VirtioMMIODevice{}, false},
		{"512", VirtioMMIODevice{}, false},
		{"512@0xfeb00e00", VirtioMMIODevice{}, false},
		{"512@0xfeb00e00:", VirtioMMIODevice{}, false},
		{"0@0xfeb00e00:12", VirtioMMIODevice{}, false},
		{"x@0xfeb00e00:12", VirtioMMIODevice{}, false},
		{"512@0xfeb00e00:70000", VirtioMMIODevice{}, false},
		{"512@0xffffffffffffff00:1", VirtioMMIODevice{}, false}, // wraps
		{"99999999999G@0:1", VirtioMMIODevice{}, false},
	} {
		got, err := ParseVirtioMMIODevice(tc.in)
		if tc.ok != (err == nil) || got != tc.want {
			t.Errorf("ParseVirtioMMIODevice(%q) = %+v, %v; want %+v, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrVirtioMMIO) {
			t.Errorf("ParseVirtioMMIODevice(%q): %v is not ErrVirtioMMIO", tc.in, err)
		}
	}
}

func TestVirtioGSI(t *testing.T) {
	acpiOff := mustParse(t, "quiet virtio_mmio.device=512@0xfeb00e00:12 virtio_mmio.device=512@0xfeb00c00:11")
	none := mustParse(t, "quiet")
	for _, tc := range []struct {
		name    string
		c       Cmdline
		ioapic1 bool
		base    PhysAddr
		want    int
		ok      bool
	}{
		// The default machine (ACPI, two IOAPICs): a single disk is
		// transport 23, measured on QEMU 7.2.
		{"acpi, ioapic2: last slot", none, true, 0xfeb02e00, 47, true},
		{"acpi, ioapic2: slot 22", none, true, 0xfeb02c00, 46, true},
		{"acpi, ioapic2: slot 0", none, true, 0xfeb00000, 24, true},
		{"acpi, one ioapic: slot 7", none, false, 0xfeb00e00, 23, true},
		{"acpi, one ioapic: no slot 8", none, false, 0xfeb01000, 0, false},
		{"not a slot boundary", none, true, 0xfeb00100, 0, false},
		{"below the slots", none, true, 0xfea00000, 0, false},
		{"past the slots", none, true, 0xfeb03000, 0, false},
		// acpi=off: QEMU's command-line entries win over the layout.
		{"cmdline: slot 7", acpiOff, true, 0xfeb00e00, 12, true},
		{"cmdline: slot 6", acpiOff, false, 0xfeb00c00, 11, true},
		{"cmdline: no entry", acpiOff, true, 0xfeb00000, 0, false},
		{"cmdline: bad entry", mustParse(t, "virtio_mmio.device=512"), true, 0xfeb02e00, 0, false},
	} {
		got, err := VirtioGSI(tc.c, tc.ioapic1, tc.base)
		if tc.ok != (err == nil) || got != tc.want {
			t.Errorf("%s: VirtioGSI(%#x) = %d, %v; want %d, ok=%v", tc.name, uint64(tc.base), got, err, tc.want, tc.ok)
		}
	}
}

func mustParse(t *testing.T, s string) Cmdline {
	t.Helper()
	c, err := ParseCmdline(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func FuzzParseVirtioMMIODevice(f *testing.F) {
	for _, s := range []string{"512@0xfeb00e00:12", "4K@0xd0000000:47:3", "@:", "1G@0x0:0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseVirtioMMIODevice(s)
		if err != nil {
			return
		}
		if d.Size == 0 || uint64(d.Base)+d.Size < uint64(d.Base) || d.GSI < 0 || d.GSI > 0xffff {
			t.Fatalf("ParseVirtioMMIODevice(%q) = %+v: out of range", s, d)
		}
	})
}
