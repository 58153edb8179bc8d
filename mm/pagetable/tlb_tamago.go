//go:build tamago

package pagetable

import (
	arch "github.com/pagoda-os/pagoda/arch/amd64"
	"github.com/pagoda-os/pagoda/mm"
)

func invalidatePage(va mm.VirtAddr) { arch.Invlpg(uint64(va)) }

func flushAll() { arch.FlushTLB() }
