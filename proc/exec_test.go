//go:build !tamago

package proc

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/pagoda-os/pagoda/fs/vfs"
	"github.com/pagoda-os/pagoda/mm/pagecache"
)

// withProgram gives the env a VFS with a tmpfs at / holding the static
// program user/true built by `make user` (build/user/gcc/true) at
// /bin/true; tests that need it skip when it has not been built (the
// boot tests build it; this is a host benchmark of exec's kernel side).
func (e *procEnv) withProgram(tb testing.TB) {
	_, file, _, _ := runtime.Caller(0)
	bin, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "build", "user", "gcc", "true"))
	if err != nil {
		tb.Skipf("no build/user/gcc/true (make user): %v", err)
	}
	v := vfs.NewVFS(pagecache.New(e.tab.MM.Frames), nil)
	if _, err := v.MountTmpfs("/", 0); err != nil {
		tb.Fatal(err)
	}
	if err := v.Mkdir("/bin"); err != nil {
		tb.Fatal(err)
	}
	if err := v.CreateMode("/bin/true", 0o755); err != nil {
		tb.Fatal(err)
	}
	f, err := v.Open("/bin/true")
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := f.WriteAt(bin, 0); err != nil {
		tb.Fatal(err)
	}
	f.Close()
	e.tab.VFS = v
}

// BenchmarkExec is the kernel side of execve of a small static program:
// the lookup, the ELF parse, the new address space with its segments and
// stack, and the old one's teardown.
func BenchmarkExec(b *testing.B) {
	e := newProcEnv(b, 0x95_0000_0000)
	e.withProgram(b)
	argv := []string{"/bin/true"}
	env := []string{"PATH=/bin", "HOME=/", "TERM=dumb"}
	b.ReportAllocs()
	for range b.N {
		if err := e.tab.exec(e.p, "/bin/true", argv, env); err != 0 {
			b.Fatal(err)
		}
	}
}
