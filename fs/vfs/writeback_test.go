//go:build !tamago

package vfs

import (
	"testing"

	"github.com/pagoda-os/pagoda/lock"
)

// PauseWriteback and ResumeWriteback do nothing before StartWriteback,
// and stop and restart its poll after it; a kick still gets through
// while paused.
func TestPauseWriteback(t *testing.T) {
	v := newTestVFS(t, 0x61_0000_0000, "/")
	v.PauseWriteback()
	v.ResumeWriteback()
	var big lock.Kernel
	kick := v.StartWriteback(&big)
	if v.wbTick == nil {
		t.Fatal("StartWriteback kept no poll")
	}
	v.PauseWriteback()
	select {
	case <-v.wbTick.C:
		t.Fatal("the poll fired right after PauseWriteback")
	default:
	}
	kick()
	v.ResumeWriteback()
}
