// Package fs is the root of Pagoda's file systems: fs/ext2 (read/write
// ext2 over a block device) arrives with the file-mapping issue.
package fs
