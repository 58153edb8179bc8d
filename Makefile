# Pagoda: build the kernel with TamaGo, boot it in QEMU, run the tests.
# See README.md for every target and variable.

MEM     ?= 1G
ACCEL   ?= tcg
APPEND  ?=
DISKS   ?=

KERNEL  := build/pagoda
GOFLAGS_TAMAGO := -tags linkcpuinit,linkramstart -trimpath -ldflags "-T 0x01010000 -R 0x1000"
TAMAGO_ENV := GOOS=tamago GOARCH=amd64 GOOSPKG=github.com/usbarmory/tamago

# The TamaGo go command: resolved with the host go (which refuses `go tool`
# under GOOS=tamago), then run with the tamago environment. Its first run
# installs tamago-go into ~/.cache/tamago-go.
TAMAGO = $(shell go tool -n github.com/usbarmory/tamago/cmd/tamago)
RUN    := build/run -mem "$(MEM)" -accel "$(ACCEL)" -append "$(APPEND)" -disks "$(DISKS)"

.PHONY: all kernel qemu qemu-gdb test clean toolchain build/run

all: kernel

toolchain:
	@tool="$(TAMAGO)" && test -n "$$tool" && "$$tool" version

kernel:
	@mkdir -p build
	$(TAMAGO_ENV) $(TAMAGO) build $(GOFLAGS_TAMAGO) -o $(KERNEL) ./kernel/pagoda

# The host-side launcher (qemu/cmd/run): QEMU's command line, scripted
# input, exit statuses.
build/run:
	@mkdir -p build
	go build -o build/run ./qemu/cmd/run

qemu: kernel build/run
	$(RUN) $(KERNEL)

qemu-gdb: kernel build/run
	@echo "QEMU waits for gdb: gdb -ex 'target remote :1234' $(KERNEL)"
	$(RUN) -gdb $(KERNEL)

# Host tests and QEMU boot tests. The boot tests skip only when the TamaGo
# toolchain cannot be obtained, and then say so in one SKIP line at the end.
test:
	@rm -f build/SKIP
	go build ./...
	go vet ./...
	go test -count=1 ./...
	go test -count=1 -tags mmdebug ./mm/...
	@if [ -f build/SKIP ]; then echo; cat build/SKIP; fi

clean:
	rm -rf build
