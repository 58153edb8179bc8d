package boot

import (
	"errors"
	"fmt"
	"time"
)

// The wall clock: the MC146818-compatible CMOS real-time clock that PCs
// and QEMU (rtc=on; it keeps the host's UTC by default, -rtc base=utc)
// carry, read once at boot through ports 0x70 (index) and 0x71 (data).
// Registers (MC146818A data sheet; Linux include/linux/mc146818rtc.h):
//
//	0x00 seconds  0x02 minutes  0x04 hours  0x07 day of month
//	0x08 month    0x09 year (00-99)         0x32 century (QEMU, ACPI FADT's default)
//	0x0a status A: bit 7 UIP, an update is in progress (the registers may be torn)
//	0x0b status B: bit 2 DM, binary (else BCD); bit 1 24/12, 24-hour (else 12-hour,
//	     with bit 7 of the hours the PM flag)
const (
	rtcSeconds = 0x00
	rtcMinutes = 0x02
	rtcHours   = 0x04
	rtcDay     = 0x07
	rtcMonth   = 0x08
	rtcYear    = 0x09
	rtcStatusA = 0x0a
	rtcStatusB = 0x0b
	rtcCentury = 0x32

	rtcUIP    = 1 << 7 // status A: update in progress
	rtcBinary = 1 << 2 // status B: DM
	rtc24Hour = 1 << 1 // status B: 24/12
	rtcPM     = 1 << 7 // the hours register in 12-hour mode
)

// rtcRegs is one reading of the clock's registers, raw.
type rtcRegs struct {
	sec, min, hour, day, month, year, century, statusB uint8
}

var errRTC = errors.New("boot: the RTC says nonsense")

// bcd decodes a binary-coded decimal byte; ok is false for a nibble
// above 9.
func bcd(b uint8) (uint8, bool) {
	hi, lo := b>>4, b&0xf
	return hi*10 + lo, hi <= 9 && lo <= 9
}

// time decodes a reading as UTC, as Linux's mc146818_get_time: BCD or
// binary per DM, 12-hour per 24/12, a century register of 0 (none) as
// the 2000s.
func (r rtcRegs) time() (time.Time, error) {
	pm := r.statusB&rtc24Hour == 0 && r.hour&rtcPM != 0
	hour := r.hour &^ rtcPM
	f := []*uint8{&r.sec, &r.min, &hour, &r.day, &r.month, &r.year, &r.century}
	if r.statusB&rtcBinary == 0 {
		for _, p := range f {
			v, ok := bcd(*p)
			if !ok {
				return time.Time{}, fmt.Errorf("%w: %#x is not BCD", errRTC, *p)
			}
			*p = v
		}
	}
	if r.statusB&rtc24Hour == 0 {
		if hour < 1 || hour > 12 {
			return time.Time{}, fmt.Errorf("%w: hour %d in 12-hour mode", errRTC, hour)
		}
		hour %= 12 // 12 AM is 0, 12 PM is 12
		if pm {
			hour += 12
		}
	}
	century := int(r.century)
	if century == 0 {
		century = 20
	}
	if r.sec > 59 || r.min > 59 || hour > 23 || r.day < 1 || r.day > 31 || r.month < 1 || r.month > 12 || r.year > 99 || century < 19 || century > 99 {
		return time.Time{}, fmt.Errorf("%w: %02d%02d-%02d-%02d %02d:%02d:%02d", errRTC, century, r.year, r.month, r.day, hour, r.min, r.sec)
	}
	t := time.Date(century*100+int(r.year), time.Month(r.month), int(r.day), int(hour), int(r.min), int(r.sec), 0, time.UTC)
	if t.Day() != int(r.day) {
		return time.Time{}, fmt.Errorf("%w: day %d of month %d", errRTC, r.day, r.month)
	}
	return t, nil
}

// readRTC reads the clock through in (index → value): once no update
// is in progress, twice, until two readings agree, so that no reading
// straddles a second's update (as Linux's mc146818_get_time).
func readRTC(in func(reg uint8) uint8) (time.Time, error) {
	read := func() (rtcRegs, bool) {
		for range 1_000_000 {
			if in(rtcStatusA)&rtcUIP == 0 {
				return rtcRegs{sec: in(rtcSeconds), min: in(rtcMinutes), hour: in(rtcHours), day: in(rtcDay),
					month: in(rtcMonth), year: in(rtcYear), century: in(rtcCentury), statusB: in(rtcStatusB)}, true
			}
		}
		return rtcRegs{}, false
	}
	for range 10 {
		a, ok := read()
		if !ok {
			return time.Time{}, fmt.Errorf("%w: always updating", errRTC)
		}
		if b, _ := read(); a == b {
			return a.time()
		}
	}
	return time.Time{}, fmt.Errorf("%w: never the same twice", errRTC)
}
