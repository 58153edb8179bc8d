package frame

import (
	"reflect"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
)

func TestLimitRanges(t *testing.T) {
	rs := []mm.AddrRange{{Start: 0x100000, End: 0x1000000}, {Start: 0x8000000, End: 0x40000000}}
	for _, tc := range []struct {
		limit uint64
		want  []mm.AddrRange
	}{
		{8 << 20, []mm.AddrRange{{Start: 0x100000, End: 0x900000}}},
		{15 << 20, []mm.AddrRange{{Start: 0x100000, End: 0x1000000}}},
		{16<<20 + 4097, []mm.AddrRange{{Start: 0x100000, End: 0x1000000}, {Start: 0x8000000, End: 0x8101000}}},
		{4 << 30, rs},
	} {
		got, err := LimitRanges(rs, tc.limit)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("limit %#x: got %v (%v), want %v", tc.limit, got, err, tc.want)
		}
	}
	if _, err := LimitRanges(rs, 1<<20); err == nil {
		t.Error("1 MiB accepted")
	}
}
