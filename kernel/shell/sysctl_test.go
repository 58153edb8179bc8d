//go:build !tamago

package shell

import "testing"

// sysctl prints and sets vm.swappiness as sysctl(8) does, and refuses
// other names and values out of range.
func TestShellSysctl(t *testing.T) {
	run, _ := simShell(t, 0x39_0000_0000, 16<<20)
	for _, tc := range []struct{ in, want string }{
		{"sysctl", "vm.swappiness = 60\n"},
		{"sysctl vm.swappiness", "vm.swappiness = 60\n"},
		{"sysctl vm.swappiness=0", "vm.swappiness = 0\n"},
		{"sysctl", "vm.swappiness = 0\n"},
		{"sysctl vm.swappiness=201", "error: sysctl: vm: invalid argument: swappiness \"201\": want a whole number, 0 to 200\n"},
		{"sysctl vm.dirty_ratio", "error: sysctl: vm: invalid argument: unknown key \"vm.dirty_ratio\" (there is vm.swappiness)\n"},
		{"sysctl vm.swappiness=200", "vm.swappiness = 200\n"},
	} {
		if got := run(tc.in); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.in, got, tc.want)
		}
	}
}
