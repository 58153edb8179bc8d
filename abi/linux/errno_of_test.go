package linux

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pagoda-os/pagoda/fs/ext2"
	"github.com/pagoda-os/pagoda/fs/vfs"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
	"github.com/pagoda-os/pagoda/mm/pagecache"
	"github.com/pagoda-os/pagoda/mm/pagetable"
	"github.com/pagoda-os/pagoda/mm/swap"
	"github.com/pagoda-os/pagoda/mm/tmpfs"
	"github.com/pagoda-os/pagoda/mm/vm"
	"github.com/pagoda-os/pagoda/mm/workload"
)

const module = "github.com/pagoda-os/pagoda"

// errnoCases is each sentinel, by package path and name, with the errno
// it must give. TestSentinelsCovered checks that the names are exactly
// the sentinels the packages declare.
var errnoCases = []struct {
	name string
	err  error
	want Errno
}{
	{"mm/vm.ErrInvalid", vm.ErrInvalid, EINVAL},
	{"mm/vm.ErrNoMemory", vm.ErrNoMemory, ENOMEM},
	{"mm/vm.ErrExists", vm.ErrExists, EEXIST},
	{"mm/vm.ErrFault", vm.ErrFault, EFAULT},
	{"mm/vm.ErrAccess", vm.ErrAccess, EACCES},
	{"mm/vm.ErrIO", vm.ErrIO, EIO},
	{"mm/vm.ErrNoDevice", vm.ErrNoDevice, ENODEV},
	{"mm/frame.ErrNoMemory", frame.ErrNoMemory, ENOMEM},
	{"mm/frame.ErrInvalid", frame.ErrInvalid, EINVAL},
	{"mm/pagetable.ErrInvalid", pagetable.ErrInvalid, EINVAL},
	{"mm/pagetable.ErrExists", pagetable.ErrExists, EEXIST},
	{"mm/pagetable.ErrNotMapped", pagetable.ErrNotMapped, EFAULT},
	{"mm/pagetable.ErrNoMemory", pagetable.ErrNoMemory, ENOMEM},
	{"mm/pagecache.ErrInvalid", pagecache.ErrInvalid, EINVAL},
	{"mm/pagecache.ErrNoMemory", pagecache.ErrNoMemory, ENOMEM},
	{"mm/pagecache.ErrIO", pagecache.ErrIO, EIO},
	{"mm/tmpfs.ErrNotExist", tmpfs.ErrNotExist, ENOENT},
	{"mm/tmpfs.ErrExist", tmpfs.ErrExist, EEXIST},
	{"mm/tmpfs.ErrNotDir", tmpfs.ErrNotDir, ENOTDIR},
	{"mm/tmpfs.ErrIsDir", tmpfs.ErrIsDir, EISDIR},
	{"mm/tmpfs.ErrNotEmpty", tmpfs.ErrNotEmpty, ENOTEMPTY},
	{"mm/tmpfs.ErrNameTooLong", tmpfs.ErrNameTooLong, ENAMETOOLONG},
	{"mm/tmpfs.ErrInvalid", tmpfs.ErrInvalid, EINVAL},
	{"mm/tmpfs.ErrBusy", tmpfs.ErrBusy, EBUSY},
	{"mm/tmpfs.ErrNoSpace", tmpfs.ErrNoSpace, ENOSPC},
	{"mm/tmpfs.ErrNoMemory", tmpfs.ErrNoMemory, ENOMEM},
	{"mm/tmpfs.ErrNoSwap", tmpfs.ErrNoSwap, ENOMEM},
	{"mm/swap.ErrNoSwap", swap.ErrNoSwap, EINVAL},
	{"mm/swap.ErrOldSwap", swap.ErrOldSwap, EINVAL},
	{"mm/swap.ErrVersion", swap.ErrVersion, EINVAL},
	{"mm/swap.ErrHeader", swap.ErrHeader, EINVAL},
	{"mm/swap.ErrFull", swap.ErrFull, ENOMEM},
	{"mm/swap.ErrBusy", swap.ErrBusy, EBUSY},
	{"mm/swap.ErrNoArea", swap.ErrNoArea, EINVAL},
	{"mm/swap.ErrTooMany", swap.ErrTooMany, EPERM},
	{"mm/swap.ErrInUse", swap.ErrInUse, EBUSY},
	{"mm/swap.ErrBadSlot", swap.ErrBadSlot, EINVAL},
	{"mm/swap.ErrInjected", swap.ErrInjected, EIO},
	{"fs/ext2.ErrNotExist", ext2.ErrNotExist, ENOENT},
	{"fs/ext2.ErrExist", ext2.ErrExist, EEXIST},
	{"fs/ext2.ErrNotDir", ext2.ErrNotDir, ENOTDIR},
	{"fs/ext2.ErrIsDir", ext2.ErrIsDir, EISDIR},
	{"fs/ext2.ErrNotEmpty", ext2.ErrNotEmpty, ENOTEMPTY},
	{"fs/ext2.ErrNoSpace", ext2.ErrNoSpace, ENOSPC},
	{"fs/ext2.ErrReadOnly", ext2.ErrReadOnly, EROFS},
	{"fs/ext2.ErrCorrupt", ext2.ErrCorrupt, EIO},
	{"fs/ext2.ErrUnsupported", ext2.ErrUnsupported, EINVAL},
	{"fs/ext2.ErrNameTooLong", ext2.ErrNameTooLong, ENAMETOOLONG},
	{"fs/ext2.ErrFaultRead", ext2.ErrFaultRead, EIO},
	{"fs/vfs.ErrNotMounted", vfs.ErrNotMounted, EINVAL},
	{"fs/vfs.ErrBusy", vfs.ErrBusy, EBUSY},
	{"fs/vfs.ErrNoDevice", vfs.ErrNoDevice, ENODEV},
	{"fs/vfs.ErrBadPath", vfs.ErrBadPath, ENOENT},
	{"fs/vfs.ErrNameTooLong", vfs.ErrNameTooLong, ENAMETOOLONG},
	{"fs/vfs.ErrCrossDevice", vfs.ErrCrossDevice, EXDEV},
	{"fs/vfs.ErrLoop", vfs.ErrLoop, ELOOP},
	{"mm.ErrBadNumber", mm.ErrBadNumber, EINVAL},
	{"mm/workload.ErrInvalid", workload.ErrInvalid, EINVAL},
	{"mm/workload.ErrTooLarge", workload.ErrTooLarge, ENOMEM},
	{"fs/ext2.ErrInvalid", ext2.ErrInvalid, EINVAL},
	{"fs/ext2.ErrBusy", ext2.ErrBusy, EBUSY},
	{"fs/ext2.ErrLoop", ext2.ErrLoop, ELOOP},
}

// TestErrnoOf: each sentinel alone, wrapped as the packages wrap them,
// and wrapped twice.
func TestErrnoOf(t *testing.T) {
	for _, c := range errnoCases {
		for _, err := range []error{
			c.err,
			fmt.Errorf("%w: context", c.err),
			fmt.Errorf("outer: %w", fmt.Errorf("%w: inner", c.err)),
			errors.Join(errors.New("foreign"), c.err),
		} {
			if got := ErrnoOf(err); got != c.want {
				t.Errorf("%s: ErrnoOf(%q) = %v, want %v", c.name, err, got, c.want)
			}
		}
	}
}

func TestErrnoOfOthers(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want Errno
	}{
		{"nil", nil, 0},
		{"foreign", errors.New("a driver's own error"), EIO},
		{"io.EOF", io.EOF, EIO},
		{"an Errno", ENOSPC, ENOSPC},
		{"a wrapped Errno", fmt.Errorf("mmap: %w", EOPNOTSUPP), EOPNOTSUPP},
		{"a translation's error", func() error { _, err := MapFlags(MAP_LOCKED | MAP_PRIVATE); return err }(), EPERM},
		// The outermost sentinel names the failure (vm/shmem.go wraps
		// the tmpfs error in vm.ErrNoMemory).
		{"outermost of two", fmt.Errorf("%w: shared anonymous memory: %w", vm.ErrNoMemory, tmpfs.ErrNoSpace), ENOMEM},
		{"outer wraps inner", fmt.Errorf("%w: %w", tmpfs.ErrNoSpace, vm.ErrNoMemory), ENOSPC},
		// vm/swapoff.go joins swap.ErrInUse with a description.
		{"joined", errors.Join(swap.ErrInUse, errors.New("3 slots still named")), EBUSY},
		{"joined, first wins", errors.Join(errors.New("x"), ext2.ErrReadOnly, vm.ErrNoMemory), EROFS},
		{"an Errno before a sentinel", fmt.Errorf("%w: %w", EAGAIN, vm.ErrNoMemory), EAGAIN},
		{"uncomparable error", uncomparable{s: []int{1}}, EIO},
		{"uncomparable wrapping a sentinel", uncomparable{s: []int{1}, inner: vm.ErrAccess}, EACCES},
	} {
		if got := ErrnoOf(c.err); got != c.want {
			t.Errorf("%s: ErrnoOf(%v) = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}

// uncomparable is an error whose dynamic type == cannot compare: ErrnoOf
// must not panic on it.
type uncomparable struct {
	s     []int
	inner error
}

func (u uncomparable) Error() string { return "uncomparable" }
func (u uncomparable) Unwrap() error { return u.inner }

// TestSentinelsCovered parses every package under mm/ and fs/ (but
// mm/sim) and checks that each exported Err* variable it declares is in
// the sentinels table of errno_of.go and in errnoCases above: adding a
// sentinel, or a package with sentinels (fs/vfs), without deciding its
// errno fails here.
func TestSentinelsCovered(t *testing.T) {
	declared := declaredSentinels(t)
	if len(declared) == 0 {
		t.Fatal("found no sentinels under mm/ and fs/")
	}
	mapped := mappedSentinels(t)
	tested := map[string]bool{}
	for _, c := range errnoCases {
		tested[c.name] = true
	}
	for _, name := range slices.Sorted(maps.Keys(declared)) {
		if !mapped[name] {
			t.Errorf("%s (%s) has no errno in errno_of.go's sentinels", name, declared[name])
		}
		if !tested[name] {
			t.Errorf("%s (%s) is not in errnoCases", name, declared[name])
		}
	}
	for name := range mapped {
		if declared[name] == "" {
			t.Errorf("errno_of.go maps %s, which no package declares", name)
		}
	}
	for name := range tested {
		if declared[name] == "" {
			t.Errorf("errnoCases has %s, which no package declares", name)
		}
	}
	if len(errnoCases) != len(sentinels) {
		t.Errorf("errnoCases has %d entries, sentinels %d", len(errnoCases), len(sentinels))
	}
}

// skipped are the directories whose sentinels no system call can meet.
var skipped = map[string]string{
	"mm/sim": "the host simulator of the MMU",
}

// declaredSentinels is every exported package-level Err* variable in the
// non-test Go files under ../../mm and ../../fs, by "dir.Name", with the
// file that declares it.
func declaredSentinels(t *testing.T) map[string]string {
	t.Helper()
	root := filepath.Join("..", "..")
	out := map[string]string{}
	for _, top := range []string{"mm", "fs"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				rel, _ := filepath.Rel(root, path)
				if _, skip := skipped[filepath.ToSlash(rel)]; skip || d.Name() == "testdata" {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, filepath.Dir(path))
			for _, decl := range f.Decls {
				g, ok := decl.(*ast.GenDecl)
				if !ok || g.Tok != token.VAR {
					continue
				}
				for _, spec := range g.Specs {
					for _, n := range spec.(*ast.ValueSpec).Names {
						if strings.HasPrefix(n.Name, "Err") && n.IsExported() {
							out[filepath.ToSlash(rel)+"."+n.Name] = filepath.ToSlash(path)
						}
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// mappedSentinels is every pkg.ErrX named in errno_of.go's sentinels
// table, by "dir.Name", the package resolved through the file's imports.
func mappedSentinels(t *testing.T) map[string]bool {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "errno_of.go", nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	imports := map[string]string{}
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		name := p[strings.LastIndex(p, "/")+1:]
		if imp.Name != nil {
			name = imp.Name.Name
		}
		imports[name] = strings.TrimPrefix(p, module+"/")
	}
	out := map[string]bool{}
	var table ast.Node
	ast.Inspect(f, func(n ast.Node) bool {
		if v, ok := n.(*ast.ValueSpec); ok && len(v.Names) == 1 && v.Names[0].Name == "sentinels" {
			table = v
		}
		return table == nil
	})
	if table == nil {
		t.Fatal("errno_of.go has no sentinels table")
	}
	ast.Inspect(table, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if x, ok := sel.X.(*ast.Ident); ok && imports[x.Name] != "" {
				out[imports[x.Name]+"."+sel.Sel.Name] = true
			}
		}
		return true
	})
	return out
}
