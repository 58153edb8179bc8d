package ext2

import "fmt"

// sectorSize is the unit of Device I/O: every offset and length passed to
// a Device is a multiple of it.
const sectorSize = 512

// Device is a block device: byte-addressed I/O whose offsets and lengths
// are multiples of 512. The file system never reads or writes past the
// end of the file system it mounted, which itself lies inside Size().
type Device interface {
	ReadAt(p []byte, off int64) (int, error)
	WriteAt(p []byte, off int64) (int, error)
	Flush() error
	Size() int64
	ReadOnly() bool
}

// MemDevice is a Device over a byte slice: the RAM disk of host tests, the
// fuzz target and the simulator. It rejects misaligned or out-of-range I/O
// with ErrInvalid rather than growing.
type MemDevice struct {
	// Data is the device's contents; its length is the device size.
	Data []byte
	// RO makes ReadOnly report true and WriteAt fail.
	RO bool
}

// NewMemDevice returns a zero-filled MemDevice of size bytes (rounded
// down to a multiple of 512).
func NewMemDevice(size int64) *MemDevice {
	return &MemDevice{Data: make([]byte, size&^(sectorSize-1))}
}

func (d *MemDevice) check(n int, off int64) error {
	if off < 0 || off%sectorSize != 0 || n%sectorSize != 0 || off > int64(len(d.Data)) || int64(n) > int64(len(d.Data))-off {
		return fmt.Errorf("%w: memdevice I/O of %d bytes at %d (size %d)", ErrInvalid, n, off, len(d.Data))
	}
	return nil
}

// ReadAt copies from the device.
func (d *MemDevice) ReadAt(p []byte, off int64) (int, error) {
	if err := d.check(len(p), off); err != nil {
		return 0, err
	}
	return copy(p, d.Data[off:]), nil
}

// WriteAt copies to the device.
func (d *MemDevice) WriteAt(p []byte, off int64) (int, error) {
	if d.RO {
		return 0, ErrReadOnly
	}
	if err := d.check(len(p), off); err != nil {
		return 0, err
	}
	return copy(d.Data[off:], p), nil
}

// Flush does nothing: a MemDevice has no volatile cache.
func (d *MemDevice) Flush() error { return nil }

// Size is the device size in bytes.
func (d *MemDevice) Size() int64 { return int64(len(d.Data)) }

// ReadOnly reports d.RO.
func (d *MemDevice) ReadOnly() bool { return d.RO }
