package vm

import (
	"reflect"
	"testing"
)

// TestStatsAdd: Add sums every counter of Stats. Each field gets a
// distinct value on each side, so a counter left out of Add (a field
// added to Stats and not to Add) keeps its first value and fails here.
func TestStatsAdd(t *testing.T) {
	var s, o Stats
	sv, ov := reflect.ValueOf(&s).Elem(), reflect.ValueOf(&o).Elem()
	for i := range sv.NumField() {
		if sv.Field(i).Kind() != reflect.Uint64 {
			t.Fatalf("Stats.%s is %v: Add and this test sum uint64 counters", sv.Type().Field(i).Name, sv.Field(i).Type())
		}
		sv.Field(i).SetUint(uint64(i + 1))
		ov.Field(i).SetUint(uint64(1000 * (i + 1)))
	}
	s.Add(o)
	for i := range sv.NumField() {
		if got, want := sv.Field(i).Uint(), uint64(1001*(i+1)); got != want {
			t.Errorf("after Add, Stats.%s is %d, want %d: Add leaves it out", sv.Type().Field(i).Name, got, want)
		}
	}
	if o.Faults != 1000 {
		t.Errorf("Add changed its argument: Faults %d", o.Faults)
	}
}
