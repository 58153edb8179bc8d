//go:build mmdebug

package vm

// debug enables the checks of preconditions (-tags mmdebug).
const debug = true
