# Pagoda: build the kernel with TamaGo, boot it in QEMU, run the tests.
# See README.md for every target and variable.

MEM     ?= 1G
ACCEL   ?= tcg
APPEND  ?=
DISKS   ?=
# MMDEBUG=1 builds the kernel with -tags mmdebug: freed frames are
# poisoned and checked, frame-state transitions verified.
MMDEBUG ?=
# make bench: ICOUNT=1 counts instructions (one per virtual ns: figures
# repeat exactly); CPU picks QEMU's -cpu (default max, or host under KVM).
ICOUNT  ?=
CPU     ?=
# make lab's thrashing sweep: mm.limit, reclaim policies and working-set
# ratios (comma lists); empty takes lab's defaults (32M, clock,fifo,lru,
# 0.5,1,1.5,2,4). LAB_LINUX=1 (the default) adds the Linux guest's line
# (lab thrash -linux): make lab builds the guest first (make linux-files)
# and, if it cannot, says so and sweeps Pagoda alone; LAB_LINUX= leaves
# the line out without trying.
LIMIT    ?=
POLICIES ?=
RATIOS   ?=
LAB_LINUX ?= 1
# make linux-guest: the Debian package of the Linux kernel (a metapackage
# naming a linux-image-*, or that image package itself), and the static
# busybox of the initramfs (Debian's busybox-static).
LINUX_PKG ?= linux-image-cloud-amd64
BUSYBOX   ?= /bin/busybox
# make bench-user: bench's options, the same for both kernels.
BENCH_ARGS ?= -i 10000 -p 4096 -m 64 -f 10
# make bench-user's swap rows: bench -S BENCH_SWAP (MiB written, then
# read back in order: swap-in; then MiB written and read back in random
# orders: pressure-write, pressure-read) in boots capped at BENCH_LIMIT
# (memory.max on both kernels: Pagoda's memory.max=, a memory cgroup in Linux) with a swap
# disk; BENCH_SWAP=0 leaves the rows (and their boots) out.
BENCH_SWAP  ?= 64
BENCH_LIMIT ?= 32M
# The root disk make qemu attaches last, after DISKS: the ext2 image of
# make user, which the kernel mounts at / by its label. ROOT= attaches
# none (and then make qemu builds no user programs).
ROOT     ?= build/root.img
# Handed to the launcher through the environment, so that quotes in
# APPEND (msg="a b") reach the kernel as typed.
export MEM ACCEL APPEND DISKS CPU

KERNEL  := build/pagoda
comma   := ,
TAGS    := linkcpuinit,linkramstart$(if $(MMDEBUG),$(comma)mmdebug)
# The kernel is linked in the kernel window (boot.KWindow + boot.KernelText)
# and loaded at its physical address: phyself rewrites the ELF's p_paddr
# and PVH entry after the link (README, "How it boots").
GOFLAGS_TAMAGO = -tags $(TAGS) -trimpath -ldflags "-T 0xf1010000 -R 0x1000"
PHYSELF := go run ./qemu/cmd/phyself -base 0xf0000000
TAMAGO_ENV := GOOS=tamago GOARCH=amd64 GOOSPKG=github.com/usbarmory/tamago

# The TamaGo go command: resolved with the host go (which refuses `go tool`
# under GOOS=tamago), then run with the tamago environment. Its first run
# installs tamago-go into ~/.cache/tamago-go.
TAMAGO = $(shell go tool -n github.com/usbarmory/tamago/cmd/tamago)
TAMAGO_VERSION := $(shell sed -n 's/^require github.com\/usbarmory\/tamago v//p; s/^\tgithub.com\/usbarmory\/tamago v//p' go.mod | head -n 1)
RUN    := build/run -mem "$$MEM" -accel "$$ACCEL" -cpu "$$CPU" -append "$$APPEND" -disks "$$DISKS"
GOFLAGS_VET := -tags linkcpuinit,linkramstart

.PHONY: all kernel qemu qemu-gdb test bench bench-user lab clean toolchain build/run user user-tools linux-guest linux-files

all: kernel

# Installs tamago-go on first use. An install that was interrupted leaves a
# directory without bin/go, on which the installer's git clone would fail
# for ever: it is removed first.
toolchain:
	@dir="$${XDG_CACHE_HOME:-$$HOME/.cache}/tamago-go/tamago-go$(TAMAGO_VERSION)"; \
	if [ -d "$$dir" ] && [ ! -x "$$dir/bin/go" ]; then \
		echo "removing the incomplete TamaGo install in $$dir"; rm -rf "$$dir"; fi
	@tool="$(TAMAGO)"; \
	if [ -z "$$tool" ]; then echo "cannot build the tamago command (go tool -n github.com/usbarmory/tamago/cmd/tamago failed)" >&2; exit 1; fi; \
	"$$tool" version >/dev/null

kernel: toolchain
	@mkdir -p build
	$(TAMAGO_ENV) $(TAMAGO) build $(GOFLAGS_TAMAGO) -o $(KERNEL) ./kernel/pagoda
	$(PHYSELF) $(KERNEL)

# The host-side launcher (qemu/cmd/run): QEMU's command line, scripted
# input, exit statuses.
build/run:
	@mkdir -p build
	go build -o build/run ./qemu/cmd/run

# ROOT goes last, so that DISKS keep their names (vda, vdb...).
qemu: kernel build/run $(if $(ROOT),user)
	@export DISKS="$$DISKS $(ROOT)"; $(RUN) $(KERNEL)

qemu-gdb: kernel build/run $(if $(ROOT),user)
	@echo "QEMU waits for gdb: gdb -ex 'target remote :1234' $(KERNEL)"
	@export DISKS="$$DISKS $(ROOT)"; $(RUN) -gdb $(KERNEL)

# The user programs (user/*.c), each built static twice, with glibc
# (build/user/gcc/NAME) and musl (build/user/musl/NAME), and the root
# disk holding them: ext2 with 4 KiB blocks, labelled pagoda-root, made
# by mke2fs -d from build/rootfs (/bin/NAME the glibc build,
# /bin/musl/NAME the musl one, an empty /tmp of mode 1777, /etc with
# root's passwd and group lines, a /dev where the kernel lists its
# special files, with an empty /dev/shm of mode 1777 (a tmpfs's mount
# point), and busybox).
USER_PROGS  := $(patsubst user/%.c,%,$(wildcard user/*.c))
USER_GCC    := $(USER_PROGS:%=build/user/gcc/%)
USER_MUSL   := $(USER_PROGS:%=build/user/musl/%)
USER_CFLAGS := -static -O2 -Wall -Wextra
MKE2FS      := PATH="$$PATH:/usr/sbin:/sbin" mke2fs

user: $(USER_GCC) $(USER_MUSL) build/root.img

# Debian's busybox-static (a glibc-static binary nobody built for Pagoda)
# goes on the root disk as /bin/busybox, with its applets as hard links
# to it (the VFS does not follow symlinks; a hard link is the same
# inode, and busybox picks the applet by argv[0]); a user program of the
# same name (user/true.c, the benchmark's /bin/true) keeps its place.
BUSYBOX         := /bin/busybox
BUSYBOX_APPLETS := sh ls cat echo true false ps free dd wc yes head tail grep sleep \
	mkdir rm rmdir cp mv ln touch env test [ expr seq sort uniq tr cut printf pwd \
	uname id kill date sync stat readlink basename dirname od hexdump md5sum top \
	mount df uptime

# Missing compilers fail here, naming the Debian package, rather than
# in the middle of a build.
user-tools:
	@command -v gcc >/dev/null || { echo "make user: gcc not found: apt-get install gcc libc6-dev" >&2; exit 1; }
	@case "$$(gcc -print-file-name=libc.a)" in /*) ;; *) echo "make user: glibc's static libc.a not found: apt-get install libc6-dev" >&2; exit 1;; esac
	@command -v musl-gcc >/dev/null || { echo "make user: musl-gcc not found: apt-get install musl-tools" >&2; exit 1; }
	@$(MKE2FS) -V >/dev/null 2>&1 || { echo "make user: mke2fs not found: apt-get install e2fsprogs" >&2; exit 1; }
	@[ -x $(BUSYBOX) ] && dpkg -S $(BUSYBOX) 2>/dev/null | grep -q '^busybox-static:' || { echo "make user: $(BUSYBOX) from Debian's busybox-static not found: apt-get install busybox-static" >&2; exit 1; }

build/user/gcc/%: user/%.c $(wildcard user/*.h) | user-tools
	@mkdir -p $(@D)
	gcc $(USER_CFLAGS) -o $@ $<

build/user/musl/%: user/%.c $(wildcard user/*.h) | user-tools
	@mkdir -p $(@D)
	musl-gcc $(USER_CFLAGS) -o $@ $<

# Made under another name and renamed, so that a boot never sees half
# an image.
build/root.img: $(USER_GCC) $(USER_MUSL) $(BUSYBOX) Makefile | user-tools
	@rm -rf build/rootfs && mkdir -p build/rootfs/bin/musl build/rootfs/tmp build/rootfs/etc build/rootfs/dev/shm
	@chmod 1777 build/rootfs/tmp build/rootfs/dev/shm
	@cp $(USER_GCC) build/rootfs/bin/ && cp $(USER_MUSL) build/rootfs/bin/musl/
	@cp $(BUSYBOX) build/rootfs/bin/busybox
	@echo 'root:x:0:0:root:/:/bin/sh' > build/rootfs/etc/passwd && echo 'root:x:0:' > build/rootfs/etc/group
	@for a in $(BUSYBOX_APPLETS); do [ -e build/rootfs/bin/$$a ] || ln build/rootfs/bin/busybox build/rootfs/bin/$$a; done
	@rm -f $@.tmp && truncate -s 64M $@.tmp
	$(MKE2FS) -q -F -t ext2 -b 4096 -L pagoda-root -d build/rootfs $@.tmp
	@mv $@.tmp $@

# Host tests and QEMU boot tests. The boot tests skip only when the TamaGo
# toolchain cannot be obtained, and then say so in one SKIP line at the end.
test:
	@rm -f build/SKIP
	go build ./...
	go vet ./...
	@if $(MAKE) -s toolchain >/dev/null 2>&1; then \
		echo "go vet (GOOS=tamago)"; $(TAMAGO_ENV) $(TAMAGO) vet $(GOFLAGS_VET) ./...; fi
	go test -count=1 ./...
	go test -count=1 -tags mmdebug ./mm/...
	@if [ -f build/SKIP ]; then echo; cat build/SKIP; fi

# In-kernel fault benchmarks (one BENCH line each), then the host
# micro-benchmarks of mm (fault paths must show 0 allocs/op).
# The file benchmarks map a file of a fresh ext2 disk (build/bench.img),
# the swap and pressure ones use a fresh mkswap disk (build/swap.img),
# both made anew each run so that runs repeat exactly; mm.limit=64M keeps
# the pressure working set (1.5 x managed memory) small.
BENCH_IMG := build/bench.img
SWAP_IMG  := build/swap.img
bench: kernel build/run
	@rm -f $(BENCH_IMG) && truncate -s 128M $(BENCH_IMG) && PATH="$$PATH:/usr/sbin:/sbin" mke2fs -q -F -t ext2 -b 4096 $(BENCH_IMG)
	@rm -f $(SWAP_IMG) && truncate -s 256M $(SWAP_IMG) && chmod 600 $(SWAP_IMG) && PATH="$$PATH:/usr/sbin:/sbin" mkswap $(SWAP_IMG) >/dev/null 2>&1
	@echo "== in-kernel benchmarks (ACCEL=$(ACCEL)$(if $(ICOUNT), ICOUNT=1))"
	@export DISKS="$(BENCH_IMG) $(SWAP_IMG)" APPEND="mm.limit=64M $$APPEND"; printf 'mount vda /mnt\nswapon vdb\nbench\n' | $(RUN) $(if $(ICOUNT),-icount) $(KERNEL) | grep '^BENCH'
	@echo "== host benchmarks"
	go test -run '^$$' -bench . -benchmem ./mm/... ./fs/...

# The Linux guest: Debian's kernel and an initramfs, booted on Pagoda's
# QEMU machine (qemu/linux.go says why its command line names the TSC
# and LAPIC timer frequencies). The kernel comes from Debian's archive
# by apt-get download (the sources of this host's apt), once, into
# build/linux; nothing is committed. The initramfs (cpio newc, gzip,
# written by busybox cpio) holds busybox as /bin/busybox and /bin/sh
# (its applets linked into /usr/bin at boot), the user programs where
# the root disk has them (/bin/NAME, /bin/musl/NAME) and
# qemu/linux-guest/init. APPEND is added to Linux's command line:
# APPEND="-- /bin/bench -t" runs bench and powers off; without "--"
# the guest gives a shell on the console.
#
# The disks: DISKS are attached as for Pagoda, on virtio-mmio, which
# microvm describes in its ACPI DSDT (LNRO0005). Debian's cloud kernel
# builds ext4 (which mounts ext2), jbd2, crc32c and swap in, but virtio,
# its MMIO transport and virtio-blk as modules: LINUX_MODULES go into
# the initramfs's /lib/modules, in the order init loads them with
# busybox insmod (each after what its modinfo "depends=" names, which
# the recipe checks), and init mounts each disk at /mnt/NAME (vda...)
# or, if it has a swap signature, swapon's it.
LINUX_DIR := build/linux
LINUX_MODULES := drivers/virtio/virtio_ring drivers/virtio/virtio \
	drivers/virtio/virtio_mmio drivers/block/virtio_blk

linux-guest: linux-files build/run
	@$(RUN) $(if $(ICOUNT),-icount) -initrd $(LINUX_DIR)/initramfs.gz $(LINUX_DIR)/vmlinuz

linux-files: $(LINUX_DIR)/vmlinuz $(LINUX_DIR)/initramfs.gz

$(LINUX_DIR)/vmlinuz:
	@command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || { echo "make linux-guest: needs Debian's apt-get and dpkg-deb" >&2; exit 1; }
	@rm -rf $(LINUX_DIR)/deb $(LINUX_DIR)/pkg && mkdir -p $(LINUX_DIR)/deb
	cd $(LINUX_DIR)/deb && apt-get download $(LINUX_PKG) 2>&1 | grep -v '^W: Download is performed unsandboxed' ; \
		ls $(LINUX_PKG)_*.deb >/dev/null 2>&1 || { echo "make linux-guest: apt-get download $(LINUX_PKG) failed (apt-get update first?)" >&2; exit 1; }
	@cd $(LINUX_DIR)/deb && image=$$(dpkg-deb -f $(LINUX_PKG)_*.deb Depends | tr ',' '\n' | sed -n 's/^ *\(linux-image-[^ ]*\).*/\1/p' | head -n 1); \
	if [ -n "$$image" ]; then \
		echo "apt-get download $$image"; \
		apt-get download $$image 2>&1 | grep -v '^W: Download is performed unsandboxed'; \
		ls $${image}_*.deb >/dev/null 2>&1 || { echo "make linux-guest: apt-get download $$image failed" >&2; exit 1; }; \
	else image=$(LINUX_PKG); fi; \
	dpkg-deb -x $${image}_*.deb ../pkg
	@set -- $(LINUX_DIR)/pkg/boot/vmlinuz-*; [ -f "$$1" ] || { echo "make linux-guest: no boot/vmlinuz-* in the package" >&2; exit 1; }; \
	echo "linux-guest: $${1##*/}"; cp "$$1" $@.tmp && mv $@.tmp $@

$(LINUX_DIR)/initramfs.gz: $(USER_GCC) $(USER_MUSL) qemu/linux-guest/init $(LINUX_DIR)/vmlinuz Makefile | user-tools
	@[ -x $(BUSYBOX) ] || { echo "make linux-guest: no $(BUSYBOX): apt-get install busybox-static" >&2; exit 1; }
	@rm -rf $(LINUX_DIR)/initramfs && mkdir -p $(LINUX_DIR)/initramfs/bin/musl $(LINUX_DIR)/initramfs/usr/bin
	@cd $(LINUX_DIR)/initramfs && mkdir proc sys dev tmp && chmod 1777 tmp
	@cp $(BUSYBOX) $(LINUX_DIR)/initramfs/bin/busybox && ln -s busybox $(LINUX_DIR)/initramfs/bin/sh
	@cp $(USER_GCC) $(LINUX_DIR)/initramfs/bin/ && cp $(USER_MUSL) $(LINUX_DIR)/initramfs/bin/musl/
	@cp qemu/linux-guest/init $(LINUX_DIR)/initramfs/init
	@mkdir -p $(LINUX_DIR)/initramfs/lib/modules && set -- $(LINUX_DIR)/pkg/lib/modules/*/kernel; \
	loaded=" "; for m in $(LINUX_MODULES); do \
		ko="$$1/$$m.ko"; name=$${m##*/}; \
		[ -f "$$ko" ] || { echo "make linux-guest: no $$m.ko in $(LINUX_DIR)/pkg (rm $(LINUX_DIR)/vmlinuz to fetch the kernel again)" >&2; exit 1; }; \
		for d in $$(tr '\0' '\n' < "$$ko" | sed -n 's/^depends=//p' | tr ',' ' '); do \
			case "$$loaded" in *" $$d "*) ;; *) echo "make linux-guest: $$name needs $$d loaded before it (LINUX_MODULES)" >&2; exit 1;; esac; done; \
		cp "$$ko" $(LINUX_DIR)/initramfs/lib/modules/ && echo $$name >> $(LINUX_DIR)/initramfs/lib/modules/order; \
		loaded="$$loaded$$name "; done
	cd $(LINUX_DIR)/initramfs && find . | $(BUSYBOX) cpio -o -H newc 2>/dev/null | gzip -9 > ../initramfs.gz.tmp
	@mv $@.tmp $@

# User-mode costs on both kernels, one table (qemu/cmd/benchuser): bench
# with BENCH_ARGS in Pagoda (from a copy of the root disk, its disk rows
# on /) and in the Linux guest (the copy mounted at /mnt/vda), twice
# (4 KiB pages, THP), then the swap-in row in boots of its own,
# all under the same ICOUNT.
bench-user: kernel build/run user linux-files
	go run ./qemu/cmd/benchuser $(if $(ICOUNT),-icount) -args "$(BENCH_ARGS)" -swap $(BENCH_SWAP) -limit $(BENCH_LIMIT) $(KERNEL)

# Experiments with plots (qemu/cmd/lab), into build/lab: the fault-cost
# breakdown (under ICOUNT=1 in instructions), then the thrashing sweep:
# each policy at each ratio of mm.limit, a fresh boot and swap disk each,
# and with LAB_LINUX each order and ratio replayed in the Linux guest
# (user/replay.c, in a memory cgroup of memory.max = LIMIT). CAP=memory.max
# caps Pagoda's boots with memory.max=LIMIT instead of mm.limit. The sweep
# takes many minutes under TCG, and fails (after writing what it
# measured) if any point failed.
LAB_THRASH = go run ./qemu/cmd/lab thrash $(if $(CAP),-cap $(CAP)) $(if $(LIMIT),-limit $(LIMIT)) $(if $(ORDERS),-orders $(ORDERS)) $(if $(POLICIES),-policies $(POLICIES)) $(if $(RATIOS),-ratios $(RATIOS)) -out build/lab
lab: kernel
	go run ./qemu/cmd/lab faults $(if $(ICOUNT),-icount) -out build/lab $(KERNEL)
	@linux=; if [ -n "$(LAB_LINUX)" ]; then \
		if $(MAKE) --no-print-directory linux-files; then linux=-linux; else \
			echo "make lab: the Linux guest cannot be made (make linux-files failed, above): the thrashing sweep runs without Linux's line (LAB_LINUX= leaves it out without trying)" >&2; fi; fi; \
	echo "$(LAB_THRASH) $$linux $(KERNEL)"; $(LAB_THRASH) $$linux $(KERNEL)

clean:
	rm -rf build
