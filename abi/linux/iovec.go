package linux

import "encoding/binary"

// struct iovec arrays, as readv(2), writev(2) (and later preadv, sendmsg)
// pass them: count records of 16 bytes, iov_base then iov_len
// (include/uapi/linux/uio.h), read and checked by Linux's
// iovec_from_user and __import_iovec (lib/iov_iter.c).

const (
	// UIO_MAXIOV is the most records one call takes (UIO_MAXIOV,
	// include/uapi/linux/uio.h).
	UIO_MAXIOV = 1024

	// MAX_RW_COUNT is the most bytes one read or write moves:
	// INT_MAX & PAGE_MASK (include/linux/fs.h). A longer request is
	// not an error but a short transfer.
	MAX_RW_COUNT = 0x7fff_f000

	// TASK_SIZE_MAX is the end of user space on x86-64 with 4-level
	// paging: the last canonical lower-half page is left unmapped, so
	// that SYSRET never returns to a non-canonical RIP
	// (arch/x86/include/asm/page_64_types.h).
	TASK_SIZE_MAX = 1<<47 - 4096

	SizeofIovec = 16
)

// Iovec is one struct iovec: Len bytes at user address Base.
type Iovec struct {
	Base, Len uint64
}

// IovecArraySize is the number of bytes the caller must copy from user
// memory for count records, checked first as iovec_from_user does, so
// that the copy is bounded: EINVAL above UIO_MAXIOV. readv's vlen is an
// unsigned long, but import_iovec takes it as an unsigned int: its upper
// 32 bits are ignored, here as in Linux.
func IovecArraySize(count uint64) (int, error) {
	n := uint32(count)
	if n > UIO_MAXIOV {
		return 0, EINVAL
	}
	return int(n) * SizeofIovec, nil
}

// DecodeIovecs reads count records from b, checked as Linux's
// iovec_from_user and __import_iovec:
//   - more than UIO_MAXIOV records (count's low 32 bits): EINVAL;
//   - b shorter than count records: EFAULT (the caller could not copy
//     them);
//   - a length with the top bit set (negative as ssize_t): EINVAL, as
//     copy_iovec_from_user, which checks every record before any is
//     used;
//   - lengths are summed in order, and once the total reaches
//     MAX_RW_COUNT the record that crosses it is shortened and the later
//     ones become empty: the transfer is short, not an error;
//   - a record whose range is not within user space (its end past
//     TASK_SIZE_MAX, or wrapping): EFAULT, as access_ok. Linux checks a
//     lone record after shortening it (import_ubuf) and each of several
//     before (__import_iovec), and so does DecodeIovecs.
//
// It returns the records, shortened as above, and their total, at most
// MAX_RW_COUNT. Zero records is not an error: readv returns 0.
func DecodeIovecs(b []byte, count uint64) ([]Iovec, uint64, error) {
	n, err := IovecArraySize(count)
	if err != nil {
		return nil, 0, err
	}
	if len(b) < n {
		return nil, 0, EFAULT
	}
	iov := make([]Iovec, n/SizeofIovec)
	for i := range iov {
		iov[i] = Iovec{binary.LittleEndian.Uint64(b[16*i:]), binary.LittleEndian.Uint64(b[16*i+8:])}
		if iov[i].Len >= 1<<63 {
			return nil, 0, EINVAL
		}
	}
	var total uint64
	for i := range iov {
		l := min(iov[i].Len, MAX_RW_COUNT-total)
		checked := iov[i].Len
		if len(iov) == 1 {
			checked = l
		}
		if !userRange(iov[i].Base, checked) {
			return nil, 0, EFAULT
		}
		iov[i].Len = l
		total += l
	}
	return iov, total, nil
}

// userRange reports whether [base, base+n) is within user space, as
// x86-64's access_ok: the end neither wraps nor passes TASK_SIZE_MAX.
func userRange(base, n uint64) bool {
	return base <= TASK_SIZE_MAX && n <= TASK_SIZE_MAX-base
}
