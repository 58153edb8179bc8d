//go:build !mmdebug

package pagetable

const debug = false
