//go:build tamago

package boot

import arch "github.com/pagoda-os/pagoda/arch/amd64"

// The RTC's index and data ports.
const (
	rtcIndex arch.Port = 0x70
	rtcData  arch.Port = 0x71
)

// bootWall is CLOCK_REALTIME at uptime 0, in nanoseconds since 1970:
// the RTC's reading at boot less the uptime then. 0 if the RTC could not
// be read (then the wall clock starts at 1970, as the uptime).
var bootWall int64

// readWallClock reads the RTC once (in the package's init: it formats
// errors) and sets bootWall; a failure is one of Machine.Errors.
func readWallClock() {
	t, err := readRTC(func(reg uint8) uint8 {
		arch.Outb(rtcIndex, reg) // bit 7 clear: NMIs stay enabled
		return arch.Inb(rtcData)
	})
	if err != nil {
		machine.Errors = append(machine.Errors, err)
		return
	}
	bootWall = t.UnixNano() - nanotime()
}

// Realtime is the wall clock (CLOCK_REALTIME), in nanoseconds since
// 1970: the RTC's time at boot plus the uptime, so it never steps and
// runs at the TSC's rate.
func (Board) Realtime() int64 { return bootWall + nanotime() }
