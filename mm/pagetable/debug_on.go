//go:build mmdebug

package pagetable

// debug enables the checks of preconditions (-tags mmdebug).
const debug = true
