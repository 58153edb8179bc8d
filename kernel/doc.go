// Package kernel is Pagoda's composition root: it takes the machine that
// boot/ found, wires the subsystems together and runs the shell on the
// serial console.
//
// The shell is a line editor (lineedit.go) over the console's byte stream,
// a dispatcher (shell.go) and one table of commands (commands.go). A
// command is a name, a usage line, a one-line help text and a handler; the
// dispatcher checks the argument count against the usage, runs the handler
// and prints its error as a single "error: " line. Numeric arguments all
// go through ParseNumber (numarg.go), so every command accepts decimal,
// 0x hex and K/M/G suffixes alike.
//
// Nothing a user types may crash the kernel: handlers return errors for
// bad input, and the dispatcher recovers a panicking handler and reports it
// as an internal error.
//
// The file layer (vfs.go) is the mount table: ext2 filesystems on the
// virtio-blk disks (ext2mount.go) and tmpfs instances in memory
// (tmpfsmount.go, /tmp from boot), and one page-cache file per file in
// use, shared by the file commands (fscmds.go) and every mapping; one
// more tmpfs instance, mounted nowhere, holds the objects of shared
// anonymous mappings (VFS.ShmemFile, the address spaces' MM.Shmem). A big kernel lock
// (VFS.Lock) serialises commands and the background writeback
// (writeback.go): page tables, VMAs, the page cache and ext2 change only
// under it, or in a fault taken by the goroutine holding it.
//
// Everything here except the bare-metal main (pagoda/) builds and is tested
// on the host against a fake Machine.
package kernel
