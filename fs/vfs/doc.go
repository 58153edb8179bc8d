// Package vfs is Pagoda's file layer: the disks, the mount table, path
// resolution, and the files the shell and the mappings use; the
// syscalls of user processes will go through it too.
//
// A mount holds a filesystem behind the small filesystem interface:
// ext2 on a virtio-blk disk (ext2.go) or a tmpfs in memory (tmpfs.go).
// resolve (behind Open and every path operation) takes an absolute path, cleans it lexically (cleanPath) and
// finds the innermost mount that holds it: the mount table is kept
// longest path first, so that /mnt/tmp is found before /mnt and / last.
// The rest of the path is the filesystem's to walk.
//
// Symlinks are the VFS's to follow, not the filesystems': Resolve walks
// a path one name at a time across mounts, replacing each link by its
// target (40 at most, ErrLoop), and gives the callers a path with no
// link before its last name (none at all when the last is followed).
// Open and Stat follow; the other path operations take the path as
// given, so the system calls resolve first. Rename and Link stay inside
// one mount (ErrCrossDevice, EXDEV). The files' times come from Clock,
// the kernel's wall clock.
//
// Every regular file has one pagecache.File, shared by the shell's reads
// and writes and by every mapping: an ext2 file gets it on first use,
// for as long as its filesystem is mounted (or until it is removed),
// with ext2.Backing as its backing store; a tmpfs file has it from
// birth, as its data. One tmpfs instance is mounted nowhere: the one
// whose unnamed files are the objects of shared anonymous mappings
// (ShmemFile, as Linux's shm_mnt).
//
// The flusher (writeback.go) writes dirty pages back in the background,
// as Linux's flusher threads do.
//
// Locking: every method runs under the big kernel lock (lock.Kernel),
// which the shell holds for each command and the flusher for each pass.
// The package has no lock of its own.
//
// Missing: a ".." of a path is taken lexically, before its links are
// followed (a link's own target is walked name by name); permissions
// are not checked, there are no file descriptors yet (the
// ext2 mount's table of open files stands in for them).
package vfs
