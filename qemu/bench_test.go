package qemu

import (
	"regexp"
	"testing"
)

// BenchmarkBootToPrompt measures host wall time from starting QEMU to the
// first prompt, under TCG with the default 1G:
//
//	go test ./qemu -run '^$' -bench BootToPrompt -benchtime 20x
func BenchmarkBootToPrompt(b *testing.B) {
	if skipReason != "" {
		b.Skip(skipReason)
	}
	for b.Loop() {
		vm, err := Start(Options{Kernel: kernelPath})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := vm.Expect(regexp.QuoteMeta(Prompt), bootTimeout); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		vm.Send("halt 0")
		vm.Wait(bootTimeout)
		vm.Kill()
		b.StartTimer()
	}
}
