package linux

// struct new_utsname, what uname(2) fills on x86-64
// (include/uapi/linux/utsname.h): six NUL-terminated fields of
// __NEW_UTS_LEN+1 = 65 bytes, 390 in all.
const (
	UtsFieldLen   = 65
	SizeofUtsname = 6 * UtsFieldLen
)

// Utsname is the six fields of struct new_utsname, in their order.
type Utsname struct {
	Sysname    string // "Linux" for a program that asks which kernel it runs on
	Nodename   string
	Release    string // glibc and musl parse nothing of it; some programs check it is >= a version
	Version    string
	Machine    string // "x86_64"
	Domainname string
}

// Append appends the 390 bytes of u: each field truncated to 64 bytes
// and padded with NULs, so that every one is terminated, as Linux's
// copy keeps them.
func (u *Utsname) Append(b []byte) []byte {
	for _, f := range [...]string{u.Sysname, u.Nodename, u.Release, u.Version, u.Machine, u.Domainname} {
		if len(f) > UtsFieldLen-1 {
			f = f[:UtsFieldLen-1]
		}
		b = append(b, f...)
		b = append(b, make([]byte, UtsFieldLen-len(f))...)
	}
	return b
}
