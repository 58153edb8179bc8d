//go:build !mmdebug

package frame

const debug = false
