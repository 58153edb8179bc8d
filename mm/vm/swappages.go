package vm

// SetSwapPages records the swap pages on (for commit accounting).
func (m *MM) SetSwapPages(n uint64) { m.swapPages = n }
