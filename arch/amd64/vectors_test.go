package amd64

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestVectorTableGenerated: vectors_tamago.s is what mkvectors.go writes,
// so that no hand edit makes an entry's size or target differ from what
// the exception stubs and irqEntry's vector arithmetic assume.
func TestVectorTableGenerated(t *testing.T) {
	out := filepath.Join(t.TempDir(), "vectors.s")
	cmd := exec.Command("go", "run", "mkvectors.go", "-o", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run mkvectors.go: %v\n%s", err, b)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	have, err := os.ReadFile("vectors_tamago.s")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, want) {
		t.Fatal("vectors_tamago.s differs from mkvectors.go's output: run go generate ./arch/amd64")
	}
	if n := bytes.Count(have, []byte("JMP\t·trapCommon(SB)")); n != 32 {
		t.Errorf("%d exception stubs, want 32 (vectors 0-31)", n)
	}
	// The CPU pushes an error code for these (SDM 3A Table 6-1): their
	// stubs must not push a 0 for one.
	withCode := map[int]bool{8: true, 10: true, 11: true, 12: true, 13: true, 14: true, 17: true, 21: true, 29: true, 30: true}
	for v := range 32 {
		stub := fmt.Sprintf("TEXT ·exception%d(SB),NOSPLIT|NOFRAME,$0\n", v)
		i := bytes.Index(have, []byte(stub))
		if i < 0 {
			t.Errorf("no stub for exception %d", v)
			continue
		}
		pushesZero := bytes.HasPrefix(have[i+len(stub):], []byte("\tPUSHQ\t$0\t// no error code\n"))
		if pushesZero == withCode[v] {
			t.Errorf("exception %d: stub pushes a 0 error code %v, CPU pushes one %v", v, pushesZero, withCode[v])
		}
	}
	if n := bytes.Count(have, []byte("CALL\t·irqEntry(SB)")); n != 224 {
		t.Errorf("%d CALLs to irqEntry, want 224 (vectors 32-255)", n)
	}
}
