package elf

import (
	"bytes"
	"fmt"
)

// The steps of execve that this package does, for a static program:
// parse, place an ET_DYN image, build the stack. Mapping the segments
// and the stack (vm, the page cache) comes between them and is the
// caller's.
func Example() {
	file := goodDyn().build() // a static PIE, as gcc -static-pie links one
	img, err := Parse(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		fmt.Println(err)
		return
	}
	img, err = img.Rebase(img.BiasAt(ETDynBase))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range img.Segments {
		fmt.Printf("map %v: file pages to %v from offset %#x, zero from %v\n", s, s.FileEnd(), s.MapOff(), s.ZeroStart())
	}
	fmt.Printf("entry %v, AT_PHDR %v, brk %v, executable stack %v\n", img.Entry, img.PhdrAddr, img.Brk, img.StackExec)

	aux := NewAux("/bin/hello", [16]byte{})
	st, err := BuildStack(UserEnd, img, []string{"hello", "world"}, []string{"HOME=/"}, &aux)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("RSP %v, %d bytes of stack\n", st.SP, len(st.Bytes))
	// Output:
	// map [0x555555554000, 0x555555555000) r-- file 0x0+0x200 mem 0x200: file pages to 0x555555555000 from offset 0x0, zero from 0x555555554200
	// map [0x555555555000, 0x555555556000) r-x file 0x1000+0x800 mem 0x800: file pages to 0x555555556000 from offset 0x1000, zero from 0x555555555800
	// map [0x555555557000, 0x55555555b000) rw- file 0x2f00+0x200 mem 0x3000: file pages to 0x555555559000 from offset 0x2000, zero from 0x555555558100
	// entry 0x555555555010, AT_PHDR 0x555555554040, brk 0x55555555b000, executable stack false
	// RSP 0x7fffffffee40, 448 bytes of stack
}
