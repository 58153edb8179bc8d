//go:build !mmdebug

package vm

const debug = false
