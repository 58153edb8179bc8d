package boot

import (
	"errors"
	"testing"
	"time"
)

// The decoding of the RTC's registers: BCD and binary, 24- and 12-hour,
// the century, and nonsense refused.
func TestRTCDecode(t *testing.T) {
	const bin, h24 = rtcBinary, rtc24Hour
	for _, c := range []struct {
		r    rtcRegs
		want string // RFC 3339, or "" for an error
	}{
		{rtcRegs{0x56, 0x34, 0x12, 0x05, 0x12, 0x26, 0x20, h24}, "2026-12-05T12:34:56Z"},
		{rtcRegs{56, 34, 12, 5, 12, 26, 20, h24 | bin}, "2026-12-05T12:34:56Z"},
		{rtcRegs{0x00, 0x00, 0x12, 0x01, 0x01, 0x99, 0x19, 0}, "1999-01-01T00:00:00Z"}, // 12 AM, BCD
		{rtcRegs{0x00, 0x00, 0x92, 0x01, 0x01, 0x99, 0x19, 0}, "1999-01-01T12:00:00Z"}, // 12 PM
		{rtcRegs{0x59, 0x59, 0x91, 0x29, 0x02, 0x24, 0x20, 0}, "2024-02-29T23:59:59Z"}, // 11 PM, a leap day
		{rtcRegs{59, 59, 11 | rtcPM, 31, 12, 30, 0, bin}, "2030-12-31T23:59:59Z"},      // binary, 12-hour, no century
		{rtcRegs{0, 0, 0, 1, 1, 70, 19, bin | h24}, "1970-01-01T00:00:00Z"},            // the epoch
		{rtcRegs{0x5a, 0x00, 0x00, 0x01, 0x01, 0x26, 0x20, h24}, ""},                   // not BCD
		{rtcRegs{60, 0, 0, 1, 1, 26, 20, bin | h24}, ""},                               // second 60
		{rtcRegs{0, 0, 0, 30, 2, 26, 20, bin | h24}, ""},                               // February 30th
		{rtcRegs{0, 0, 0, 1, 13, 26, 20, bin | h24}, ""},                               // month 13
		{rtcRegs{0, 0, 0, 1, 1, 26, 20, bin}, ""},                                      // hour 0 in 12-hour mode
		{rtcRegs{0x00, 0x00, 0x24, 0x01, 0x01, 0x26, 0x20, h24}, ""},                   // hour 24
	} {
		got, err := c.r.time()
		switch {
		case c.want == "" && !errors.Is(err, errRTC):
			t.Errorf("%+v: %v, %v, want an error", c.r, got, err)
		case c.want != "" && (err != nil || got.Format(time.RFC3339) != c.want):
			t.Errorf("%+v: %v, %v, want %s", c.r, got, err, c.want)
		}
	}
}

// readRTC waits out an update in progress and a reading torn by a
// second's update.
func TestReadRTC(t *testing.T) {
	regs := map[uint8]uint8{rtcSeconds: 0x59, rtcMinutes: 0x59, rtcHours: 0x23, rtcDay: 0x31,
		rtcMonth: 0x12, rtcYear: 0x26, rtcCentury: 0x20, rtcStatusB: rtc24Hour}
	reads, uip := 0, 3
	got, err := readRTC(func(reg uint8) uint8 {
		if reg == rtcStatusA {
			if uip > 0 {
				uip--
				return rtcUIP
			}
			return 0
		}
		reads++
		if reads == 3 { // the second's update between two registers
			regs[rtcSeconds], regs[rtcMinutes], regs[rtcHours] = 0, 0, 0
			regs[rtcDay], regs[rtcMonth], regs[rtcYear] = 1, 1, 0x27
		}
		return regs[reg]
	})
	if err != nil || got.Format(time.RFC3339) != "2027-01-01T00:00:00Z" {
		t.Fatalf("readRTC: %v, %v", got, err)
	}
	if _, err := readRTC(func(uint8) uint8 { return rtcUIP }); !errors.Is(err, errRTC) {
		t.Fatalf("an RTC always updating: %v", err)
	}
}

// Whatever the registers say, decoding gives a time in the RTC's range
// or errRTC, never a panic.
func FuzzRTCDecode(f *testing.F) {
	f.Add([]byte{0x56, 0x34, 0x12, 0x05, 0x12, 0x26, 0x20, rtc24Hour})
	f.Add([]byte{59, 59, 11 | rtcPM, 31, 12, 30, 0, rtcBinary})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 8 {
			return
		}
		r := rtcRegs{b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]}
		got, err := r.time()
		if err != nil {
			if !errors.Is(err, errRTC) {
				t.Fatalf("%+v: %v", r, err)
			}
			return
		}
		if got.Year() < 1900 || got.Year() > 9999 {
			t.Fatalf("%+v: %v", r, got)
		}
	})
}
