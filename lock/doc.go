// Package lock holds the kernel's locks that every layer may take
// (fs/vfs, drivers/virtio, kernel and kernel/shell import it today; mm
// takes none of its own); it imports nothing of TamaGo, so it builds and
// is tested on the host like them.
//
// Spin (spin.go) is the lock the fault path may take. A fault runs on the
// system stack with interrupts off and may not block, so it cannot wait
// for a sync.Mutex; it spins instead, and gives up after a bound. The
// sections a Spin guards must therefore be short and must never allocate,
// block, yield or touch memory that can fault. Under that rule, on
// Pagoda's single CPU no goroutine is ever descheduled while it holds a
// Spin (TamaGo runs one M and has no sysmon, hence no asynchronous
// preemption), so a fault that finds one held has interrupted its holder:
// a kernel bug, which LockFault reports rather than spinning for ever.
//
// Lock order: a Spin is a leaf. Nothing else is taken while one is held,
// and no Spin is held across a call out of the package that owns it.
//
// Missing: with several CPUs a fault could find a Spin held by another
// CPU, which finishes; LockFault's bound then tells a slow holder from a
// dead one only by time. A holder must also keep interrupts off on its
// CPU, which Spin does not do yet: nothing that takes a Spin runs in an
// interrupt stub today.
package lock
