package qemu

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestArgs(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    Options
		want []string // consecutive arguments that must appear
		bad  bool
	}{
		{"defaults", Options{Kernel: "k"}, []string{"-accel tcg", "-cpu max", "-m 1G", "-kernel k",
			"-device isa-debug-exit,iobase=0xf4,iosize=4", "-global virtio-mmio.force-legacy=false", "-monitor none"}, false},
		{"kvm", Options{Kernel: "k", Accel: "kvm"}, []string{"-accel kvm", "-cpu host,+invtsc"}, false},
		{"mem and append", Options{Kernel: "k", Mem: "4G", Append: "a=1 b"}, []string{"-m 4G", "-append", "a=1 b"}, false},
		{"disks in order", Options{Kernel: "k", Disks: []string{"x.img", "y.img"}}, []string{
			"-drive file=x.img,if=none,format=raw,id=disk0", "-device virtio-blk-device,drive=disk0",
			"-drive file=y.img,if=none,format=raw,id=disk1", "-device virtio-blk-device,drive=disk1"}, false},
		{"linux initrd", Options{Kernel: "vmlinuz", Initrd: "i.gz"}, []string{"-kernel vmlinuz", "-initrd i.gz"}, false},
		{"gdb", Options{Kernel: "k", GDB: true}, []string{"-s", "-S"}, false},
		{"icount", Options{Kernel: "k", ICount: true}, []string{"-icount shift=0,sleep=off", "-rtc clock=vm"}, false},
		{"icount under kvm", Options{Kernel: "k", ICount: true, Accel: "kvm"}, nil, true},
		{"cpu", Options{Kernel: "k", CPU: "Skylake-Client"}, []string{"-cpu Skylake-Client"}, false},
		{"interactive", Options{Kernel: "k", Interactive: true}, []string{"-chardev stdio,id=con,mux=on,signal=off", "-mon chardev=con,mode=readline"}, false},
		{"no kernel", Options{}, nil, true},
		{"bad accel", Options{Kernel: "k", Accel: "hvf"}, nil, true},
		{"comma in disk", Options{Kernel: "k", Disks: []string{"a,b.img"}}, nil, true},
		{"too little memory", Options{Kernel: "k", Mem: "120M"}, nil, true},
		{"too little memory, MiB", Options{Kernel: "k", Mem: "64"}, nil, true},
		{"too little memory, KiB", Options{Kernel: "k", Mem: "131071K"}, nil, true},
		{"just enough memory", Options{Kernel: "k", Mem: "128M"}, []string{"-m 128M"}, false},
		{"memory in MiB", Options{Kernel: "k", Mem: "2048"}, []string{"-m 2048"}, false},
		{"memory QEMU judges", Options{Kernel: "k", Mem: "1.5G"}, []string{"-m 1.5G"}, false},
	} {
		args, err := tc.o.Args()
		if tc.bad {
			if !errors.Is(err, ErrOptions) {
				t.Errorf("%s: err %v, want ErrOptions", tc.name, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		joined := "\x00" + strings.Join(args, "\x00") + "\x00"
		for _, w := range tc.want {
			if !strings.Contains(joined, "\x00"+strings.ReplaceAll(w, " ", "\x00")+"\x00") &&
				!slices.Contains(args, w) {
				t.Errorf("%s: args lack %q: %q", tc.name, w, args)
			}
		}
	}
}

func TestKernelStatus(t *testing.T) {
	for n := 0; n <= 127; n++ {
		if h, p := KernelStatus(HaltStatus(n)); h != n || p {
			t.Errorf("KernelStatus(HaltStatus(%d)) = %d, %v", n, h, p)
		}
	}
	if _, p := KernelStatus(PanicStatus); !p {
		t.Error("PanicStatus is not a panic")
	}
}
