package proc

import "github.com/pagoda-os/pagoda/mm/vm"

// MapsLabels names p's heap and stack in maps and smaps as Linux's
// show_map_vma does: [heap] for an anonymous mapping that meets the brk
// range (vm_start <= brk && vm_end >= start_brk), [stack] for the one
// holding the initial stack's top (vma_is_initial_stack).
func (p *Process) MapsLabels() vm.Labeler {
	start, brk := p.brkStart, p.brk
	return func(v *vm.VMA) string {
		switch {
		case v.File() != nil || v.Flags&vm.MapShared != 0:
			return ""
		case v.Start <= brk && v.End >= start && brk > start:
			return "[heap]"
		case v.Start < stackTop && v.End >= stackTop:
			return "[stack]"
		}
		return ""
	}
}
