package amd64

import "testing"

func TestDescribeErrorCode(t *testing.T) {
	for _, tc := range []struct {
		code uint64
		want string
		acc  Access
	}{
		{0, "not present, read, supervisor", Read},
		{PFWrite, "not present, write, supervisor", Write},
		{PFPresent | PFWrite, "protection violation, write, supervisor", Write},
		{PFPresent | PFFetch, "protection violation, execute, supervisor", Execute},
		{PFUser | PFReserved | PFPresent, "protection violation, read, user, reserved bit set", Read},
	} {
		if got := DescribeErrorCode(tc.code); got != tc.want || AccessOf(tc.code) != tc.acc {
			t.Errorf("%#x: %q %v, want %q %v", tc.code, got, AccessOf(tc.code), tc.want, tc.acc)
		}
	}
	e := &FaultError{Addr: 0, Access: Read, Reason: ReasonNotMapped, RIP: 0x1234, Instruction: "mov al, byte ptr [rbx]"}
	if got := e.Error(); got != "read of 0x0: not mapped (at 0x1234: mov al, byte ptr [rbx])" {
		t.Errorf("Error() = %q", got)
	}
}
