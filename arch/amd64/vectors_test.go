package amd64

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestVectorTableGenerated: vectors_tamago.s is what mkvectors.go writes,
// so that no hand edit makes an entry's size or target differ from what
// trapEntry's and irqEntry's vector arithmetic assume.
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
	if n := bytes.Count(have, []byte("CALL\t·trapEntry(SB)")); n != 32 {
		t.Errorf("%d CALLs to trapEntry, want 32 (vectors 0-31)", n)
	}
	if n := bytes.Count(have, []byte("CALL\t·irqEntry(SB)")); n != 224 {
		t.Errorf("%d CALLs to irqEntry, want 224 (vectors 32-255)", n)
	}
}
