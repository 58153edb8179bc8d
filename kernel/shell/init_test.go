package shell

import "testing"

// init's wait status becomes the halt status: its exit status where
// isa-debug-exit tells it apart, 127 otherwise.
func TestInitHaltStatus(t *testing.T) {
	for _, tc := range []struct {
		wait uint32
		want uint8
	}{
		{0, 0}, {3 << 8, 3}, {127 << 8, 127}, {128 << 8, 127}, {255 << 8, 127},
		{9, 127}, {11 | 0x80, 127}, {2, 127},
	} {
		if got := initHaltStatus(tc.wait); got != tc.want {
			t.Errorf("initHaltStatus(%#x) = %d, want %d", tc.wait, got, tc.want)
		}
	}
}
