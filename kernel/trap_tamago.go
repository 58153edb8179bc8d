//go:build tamago

package kernel

import "github.com/pagoda-os/pagoda/trap"

// InitTraps installs the trap policy (package trap) with the kernel's
// mapping window: from here on every CPU exception goes to trap's
// handler.
func InitTraps() { trap.Init(WindowStart, WindowEnd, HoleStart, HoleEnd) }
