package pagecache

import "testing"

// Outcomes and page flags name themselves, and an unknown value says it
// is one.
func TestNames(t *testing.T) {
	for _, tt := range []struct{ got, want string }{
		{Hit.String(), "hit"},
		{NoMemory.String(), "no-memory"},
		{Outcome(9).String(), "Outcome(9)"},
		{pageFlags(0).String(), "-"},
		{(pgDirty | pgWriteback).String(), "dirty writeback"},
		{(pgDirty | pgReclaim).String(), "dirty reclaim"},
		{pageFlags(8).String(), "pageFlags(8)"},
	} {
		if tt.got != tt.want {
			t.Errorf("%q, want %q", tt.got, tt.want)
		}
	}
}
