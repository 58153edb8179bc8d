//go:build mmdebug

package frame

// debug enables frame poisoning and transition checks (-tags mmdebug).
const debug = true
