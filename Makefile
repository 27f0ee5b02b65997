# KVM host toolkit: kvm-ok, modload, runner over one library of probes.
# make            build everything into build/
# make run        install missing packages (as root), build, run kvm-ok and runner --selftest here
# make check      build, lint, and run the bats test suite
# make install    PREFIX=/usr/local DESTDIR= BINDIR= MANDIR=

VERSION    := $(shell cat VERSION)
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
UDEVRULESDIR   ?= $(PREFIX)/lib/udev/rules.d
INITDIR    ?= /etc/init.d
BUGDIR     ?= /usr/share/bug/kvm-host-toolkit
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
ANSIBLEFACTSDIR ?= /etc/ansible/facts.d
# the udev rule for /dev/kvm: yes, no, or auto (only where this machine's udev
# has no rule for kvm of its own in UDEV_DEFAULT_RULES; systemd's udev has one)
UDEV_RULE  ?= auto
UDEV_DEFAULT_RULES ?= /lib/udev/rules.d/50-udev-default.rules /usr/lib/udev/rules.d/50-udev-default.rules
DESTDIR    ?=

CC         ?= gcc
# V=1 shows every compiler command line (the Debian build does, for blhc)
V          ?= 0
Q          := $(if $(filter 1,$(V)),,@)
# WERROR= builds without -Werror (distribution builds, newer compilers)
WERROR     ?= -Werror
# the target: the compiler's architecture (a cross build: make cross-arm64)
PKG_CONFIG ?= pkg-config
ARCH       := $(shell $(CC) -dumpmachine 2>/dev/null | cut -d- -f1)
ARCH_DIR   := $(or $(filter x86_64,$(ARCH)),$(if $(filter aarch64,$(ARCH)),arm64),generic)
# libcpuid reads x86's CPUID: Debian builds it for amd64 and i386 only
PKGS       := $(if $(filter x86_64,$(ARCH)),libcpuid) libkmod libpci
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
# libcpuid 0.7 (Debian 13) keeps the CPU signature in cpu_id_t.x86
PKG_CFLAGS += $(if $(filter libcpuid,$(PKGS)),$(shell $(PKG_CONFIG) --atleast-version=0.7.0 libcpuid 2>/dev/null && echo -DKVMHOST_LIBCPUID_X86_ID))
CFLAGS     ?= -O2 -g
CFLAGS     += -std=c11 -Wall -Wextra $(WERROR) -D_GNU_SOURCE -Ilib $(PKG_CFLAGS) \
              -DKVMHOST_VERSION='"$(VERSION)"' -DKVMHOST_VERSION_STRING='"$(VERSION)"'
LDLIBS     += $(PKG_LIBS) -lm
# SANITIZE="-fsanitize=..." builds everything (but the micro guest) with sanitizers
SANITIZE   ?=
CFLAGS     += $(SANITIZE)
LDFLAGS    += $(SANITIZE)
SAN_FLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

B          := build
# lib/arch/ARCH/*.c reads any host's data (so a snapshot of an arm64 host
# replays on amd64); lib/arch/ARCH/native/ runs on the target only (CPUID,
# the timed guest)
LIB_SRC    := $(wildcard lib/*.c lib/setting/*.c lib/arch/*/*.c lib/arch/$(ARCH_DIR)/native/*.c) \
              $(if $(filter x86_64,$(ARCH)),,lib/arch/cpuid_absent.c)
LIB_OBJ    := $(LIB_SRC:%.c=$(B)/obj/%.o)
# the runner, its machine profile (runner/arch/ARCH/) and its micro guest
# (runner/guest/ARCH/) are x86-64's and arm64's
RUNNER     := $(filter x86_64 arm64,$(ARCH_DIR))
TOOLS      := $(B)/kvm-ok $(B)/modload $(if $(RUNNER),$(B)/runner $(B)/microguest.elf)
LIBDIR     ?= $(PREFIX)/lib/kvm-host-toolkit
RUNNER_SRC := runner/main.c runner/options.c runner/boot_profile.c runner/qemu_args.c runner/supervise.c runner/debian_root.c runner/debian_kernel.c runner/debian_build.c runner/debian_tree.c runner/debian_outputs.c runner/user_namespace.c runner/os_release.c \
              $(wildcard runner/arch/$(ARCH_DIR)/*.c)
RUNNER_H   := $(wildcard runner/*.h runner/arch/*/*.h)
# crypt for --make-debian-root's password; lzma, zstd and z for x86-64's
# vmlinux extraction (Debian 12's kernels are xz, Debian 13's zstd)
RUNNER_LIBS := -lcrypt $(if $(filter x86_64,$(ARCH_DIR)),-llzma -lzstd -lz)
# test builds: the same sources with KVMHOST_TESTING hooks (see tests/)
TEST_OBJ   := $(LIB_SRC:%.c=$(B)/test-obj/%.o)
TEST_TOOLS := $(B)/test/kvm-ok $(B)/test/runner $(B)/test/fake_kernel.so $(B)/test/deny-ioctl \
              $(B)/test/write-kmod-index

.PHONY: all bench cross-arm64 run check check-package check-runtimes check-sanitizers fuzz fuzz-build fuzz-regress test lint deps deps-check install uninstall dist clean

all: $(TOOLS)

$(B)/obj/%.o: %.c $(wildcard lib/*.h lib/arch/*/*.h modload/*.h) $(RUNNER_H) VERSION
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/test-obj/%.o: %.c $(wildcard lib/*.h lib/arch/*/*.h) $(RUNNER_H) VERSION
	@mkdir -p $(dir $@)
	@echo "  CC      $< (test build)"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -DKVMHOST_TESTING -c -o $@ $<

$(B)/test/kvm-ok: $(B)/test-obj/kvm-ok/main.o $(TEST_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/test/runner: $(RUNNER_SRC:%.c=$(B)/test-obj/%.o) $(TEST_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(RUNNER_LIBS)

$(B)/test/fake_kernel.so: tests/fake-kernel/fake_kernel.c lib/errno_name.c lib/errno_name.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC -shared -o $@ tests/fake-kernel/fake_kernel.c lib/errno_name.c -ldl

$(B)/test/deny-ioctl: tests/helpers/deny-ioctl.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $<

$(B)/test/write-kmod-index: tests/helpers/write-kmod-index.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $<

$(B)/libkvmhost.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

$(B)/kvm-ok: $(B)/obj/kvm-ok/main.o $(B)/libkvmhost.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

MODLOAD_SRC := $(wildcard modload/*.c)
$(B)/modload: $(MODLOAD_SRC:%.c=$(B)/obj/%.o) $(B)/libkvmhost.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/obj/runner/%.o $(B)/test-obj/runner/%.o: CFLAGS += -Irunner
$(B)/obj/runner/main.o: CFLAGS += -DKVMHOST_LIBDIR='"$(LIBDIR)"'
$(B)/runner: $(RUNNER_SRC:%.c=$(B)/obj/%.o) $(B)/libkvmhost.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(RUNNER_LIBS)

# the runner's micro guest, freestanding: on x86-64 32-bit code with a PVH
# note at 1 MiB, on arm64 an ELF in the virt machine's RAM
GUEST_CFLAGS := -ffreestanding -fno-pic -fno-stack-protector -fno-asynchronous-unwind-tables \
	-nostdlib -static -s -O2 -Wall -Wextra $(WERROR) -Wl,--build-id=none -Irunner/guest/$(ARCH_DIR)
GUEST_CFLAGS_x86_64 := -m32 -Wl,-Ttext=0x100000 -Wl,-e,pvh_entry
GUEST_CFLAGS_arm64  := -fno-pie -no-pie -mgeneral-regs-only -Wl,-Ttext=0x40200000 -Wl,-e,_start
$(B)/microguest.elf: runner/guest/$(ARCH_DIR)/entry.S runner/guest/guest.c runner/guest/$(ARCH_DIR)/guest_io.h
	@mkdir -p $(dir $@)
	@echo "  GUEST   $@"
	$(Q)$(CC) $(GUEST_CFLAGS) $(GUEST_CFLAGS_$(ARCH_DIR)) -o $@ $(filter %.S %.c,$^)

# arm64 from an amd64 machine, with Debian's multiarch packages (installed by
# tools/install-deps cross-arm64), into build-arm64/ beside the native build
CROSS_ARM64 := aarch64-linux-gnu
cross-arm64:
	@bash tools/install-deps cross-arm64
	@$(MAKE) --no-print-directory B=build-arm64 CC=$(CROSS_ARM64)-gcc PKG_CONFIG=$(CROSS_ARM64)-pkg-config all

deps:
	@bash tools/install-deps run

deps-check:
	@bash tools/install-deps check

run: deps
	@$(MAKE) --no-print-directory all
	@echo "== kvm-ok: can KVM accelerate guests here?"
	@./$(B)/kvm-ok; echo "(kvm-ok exit status $$?)"
	@echo "== runner --selftest: the micro guest on the accelerator the runner picks"
	@if [ -z "$(RUNNER)" ]; then echo "(the runner is built for x86-64 and arm64 only)"; \
	 else ./$(B)/runner --selftest; status=$$?; \
	   if [ $$status -eq 127 ]; then echo "(no QEMU here: the runner names the package above)"; \
	   else exit $$status; fi; fi

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,style,performance,portability \
	  --inline-suppr --suppress=missingIncludeSystem --suppress=normalCheckLevelMaxBranches --std=c11 -D__x86_64__ -Ilib lib kvm-ok modload runner tests/fake-kernel tests/fuzz
	@for page in man/*.[18]; do \
	  out=$$(groff -ww -z -man $$page 2>&1; mandoc -Tlint -W style $$page 2>&1); \
	  if [ -n "$$out" ]; then echo "$$page: $$out"; exit 1; fi; \
	done

# TESTS: some suites only (make test TESTS="runner.bats debian-root.bats")
test: all $(TEST_TOOLS)
	tests/run $(TESTS)

check: deps-check
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory cross-arm64
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory fuzz-regress
	@$(MAKE) --no-print-directory test
	@$(MAKE) --no-print-directory check-sanitizers

# the real container runtimes (Docker, Podman root and rootless, LXC,
# systemd-nspawn, a chroot) started on the built tools, as root; each hint
# followed (tests/runtimes/runtimes.bats)
check-runtimes:
	@bash tools/install-deps runtimes
	@$(MAKE) --no-print-directory all
	BUILD=$(CURDIR)/$(B) bats --formatter tap tests/runtimes/runtimes.bats

# the whole suite once more, built with AddressSanitizer (leaks included) and
# UndefinedBehaviorSanitizer; any report fails it
SAN_LOGS   := $(CURDIR)/build-san/sanitizer-logs
check-sanitizers:
	@echo "== the test suite again, under AddressSanitizer and UndefinedBehaviorSanitizer"
	@$(MAKE) --no-print-directory B=build-san SANITIZE="$(SAN_FLAGS)" all $(subst $(B)/,build-san/,$(TEST_TOOLS))
	@rm -rf $(SAN_LOGS) && mkdir -p $(SAN_LOGS)
	BUILD=$(CURDIR)/build-san \
	ASAN_OPTIONS=detect_leaks=1:verify_asan_link_order=0:log_path=$(SAN_LOGS)/asan \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitizers/lsan.supp:print_suppressions=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$(SAN_LOGS)/ubsan \
	  tests/run
	@if [ -n "$$(ls -A $(SAN_LOGS))" ]; then echo "sanitizer reports:"; cat $(SAN_LOGS)/*; exit 1; fi

# libFuzzer harnesses (clang) for every parser of outside data
FUZZERS      := cpuinfo cpuid_raw sysfs probe_record snapshot runner_args kernel_image untrusted_text
FUZZ_SECONDS ?= 30
FUZZ_FLAGS   := -g -O1 -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -std=c11 \
	-D_GNU_SOURCE -Ilib -Irunner -Irunner/arch/x86_64 -Itests/fuzz $(PKG_CFLAGS) -DKVMHOST_VERSION='"$(VERSION)"' \
	-DKVMHOST_VERSION_STRING='"$(VERSION)"'
FUZZ_LIB_SRC := $(LIB_SRC) runner/qemu_args.c runner/arch/x86_64/vmlinux.c tests/fuzz/fuzz_util.c
$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_SRC) $(wildcard lib/*.h) tests/fuzz/fuzz_util.h
	@mkdir -p $(dir $@)
	@echo "  FUZZER  $@"
	@clang $(FUZZ_FLAGS) -o $@ $< $(FUZZ_LIB_SRC) $(PKG_LIBS) -lm -llzma -lzstd -lz

fuzz-build: $(FUZZERS:%=$(B)/fuzz/fuzz_%)

# run each fuzzer FUZZ_SECONDS (seeds and regressions in tests/fuzz/corpus/NAME,
# new finds in build/fuzz/corpus/NAME, crashes in build/fuzz/crashes/)
# every harness's scratch files go below one directory of this run, removed
# afterwards whatever happened (a crash skips the harness's own cleanup)
FUZZ_SCRATCH_PARENT := $(shell [ -w /dev/shm ] && echo /dev/shm || echo /tmp)
fuzz: fuzz-build
	@rm -rf $(B)/fuzz/crashes && mkdir -p $(B)/fuzz/crashes
	@scratch=$$(mktemp -d $(FUZZ_SCRATCH_PARENT)/kvmhost-fuzz-run.XXXXXX); trap 'rm -rf "$$scratch"' EXIT; \
	export KVMHOST_FUZZ_SCRATCH=$$scratch; \
	for f in $(FUZZERS); do \
	  mkdir -p $(B)/fuzz/corpus/$$f; \
	  echo "== fuzz_$$f for $(FUZZ_SECONDS) s"; \
	  ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitizers/lsan.supp:print_suppressions=0 \
	  $(B)/fuzz/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix=$(B)/fuzz/crashes/$$f- $(B)/fuzz/corpus/$$f tests/fuzz/corpus/$$f > $(B)/fuzz/$$f.log 2>&1; \
	  status=$$?; grep -E "^stat::number_of_executed_units|^Done" $(B)/fuzz/$$f.log | tail -n 1; \
	  if [ $$status -ne 0 ]; then tail -n 40 $(B)/fuzz/$$f.log; \
	    echo "fuzz_$$f found a crash: $$(ls $(B)/fuzz/crashes); add it to tests/fuzz/corpus/$$f as a regression"; exit 1; fi; \
	done

# every committed seed and regression input, once: part of make check
fuzz-regress: fuzz-build
	@scratch=$$(mktemp -d $(FUZZ_SCRATCH_PARENT)/kvmhost-fuzz-run.XXXXXX); trap 'rm -rf "$$scratch"' EXIT; \
	export KVMHOST_FUZZ_SCRATCH=$$scratch; \
	for f in $(FUZZERS); do \
	  ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitizers/lsan.supp:print_suppressions=0 \
	  $(B)/fuzz/fuzz_$$f -runs=0 tests/fuzz/corpus/$$f >/dev/null 2>$(B)/fuzz/regress-$$f.log || \
	    { echo "fuzz_$$f fails on its committed corpus:"; tail -n 30 $(B)/fuzz/regress-$$f.log; exit 1; }; \
	done; echo "fuzz regressions: all committed inputs pass ($(FUZZERS))"

# this toolkit against its peers: bench/results/results.md and bench.png
bench: all
	@bash tools/install-deps bench
	@$(MAKE) --no-print-directory cross-arm64
	bench/run

# build the Debian package, lint it, install it, run it, remove it (root)
check-package:
	@bash tools/install-deps package
	tests/package/check

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 \
	  $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(INITDIR)
	install -m 0755 $(B)/kvm-ok $(DESTDIR)$(BINDIR)/
	install -m 0755 $(B)/modload $(DESTDIR)$(SBINDIR)/
	$(if $(RUNNER),install -m 0755 $(B)/runner $(DESTDIR)$(BINDIR)/)
	$(if $(RUNNER),install -d $(DESTDIR)$(LIBDIR))
	$(if $(RUNNER),install -m 0644 $(B)/microguest.elf $(DESTDIR)$(LIBDIR)/)
	$(if $(RUNNER),install -m 0644 man/runner.1 $(DESTDIR)$(MANDIR)/man1/)
	install -m 0644 man/kvm-ok.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 man/modload.8 $(DESTDIR)$(MANDIR)/man8/
	sed 's|@SBINDIR@|$(SBINDIR)|g' modload/kvm-modload.service.in > $(DESTDIR)$(SYSTEMDUNITDIR)/kvm-modload.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/kvm-modload.service
	sed 's|@BINDIR@|$(BINDIR)|g' kvm-ok/kvm-ok-textfile.service.in > $(DESTDIR)$(SYSTEMDUNITDIR)/kvm-ok-textfile.service
	install -m 0644 kvm-ok/kvm-ok-textfile.timer $(DESTDIR)$(SYSTEMDUNITDIR)/
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/kvm-ok-textfile.service
	sed 's|@SBINDIR@|$(SBINDIR)|g' modload/kvm-modload.init.in > $(DESTDIR)$(INITDIR)/kvm-modload
	chmod 0755 $(DESTDIR)$(INITDIR)/kvm-modload
	@if [ "$(UDEV_RULE)" = yes ] || { [ "$(UDEV_RULE)" = auto ] && \
	    ! grep -qs '^KERNEL=="kvm"' $(UDEV_DEFAULT_RULES); }; then \
	  echo "install -m 0644 modload/65-kvm.rules $(DESTDIR)$(UDEVRULESDIR)/"; \
	  install -d $(DESTDIR)$(UDEVRULESDIR); \
	  install -m 0644 modload/65-kvm.rules $(DESTDIR)$(UDEVRULESDIR)/; \
	else echo "(65-kvm.rules not installed: UDEV_RULE=$(UDEV_RULE); udev's own 50-udev-default.rules gives /dev/kvm to group kvm)"; fi
	install -d $(DESTDIR)$(BUGDIR)
	sed 's|@BINDIR@|$(BINDIR)|g' kvm-ok/reportbug-script.in > $(DESTDIR)$(BUGDIR)/script
	chmod 0755 $(DESTDIR)$(BUGDIR)/script
	install -d $(DESTDIR)$(COMPLETIONDIR) $(DESTDIR)$(ANSIBLEFACTSDIR)
	install -m 0644 completions/kvm-ok completions/modload $(if $(RUNNER),completions/runner) $(DESTDIR)$(COMPLETIONDIR)/
	sed 's|@BINDIR@|$(BINDIR)|g' kvm-ok/kvm.fact.in > $(DESTDIR)$(ANSIBLEFACTSDIR)/kvm.fact
	chmod 0755 $(DESTDIR)$(ANSIBLEFACTSDIR)/kvm.fact

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/kvm-ok $(DESTDIR)$(SBINDIR)/modload $(DESTDIR)$(BINDIR)/runner \
	  $(DESTDIR)$(LIBDIR)/microguest.elf $(DESTDIR)$(MANDIR)/man1/runner.1 \
	  $(DESTDIR)$(MANDIR)/man1/kvm-ok.1 $(DESTDIR)$(MANDIR)/man8/modload.8 \
	  $(DESTDIR)$(SYSTEMDUNITDIR)/kvm-modload.service $(DESTDIR)$(INITDIR)/kvm-modload \
	  $(DESTDIR)$(SYSTEMDUNITDIR)/kvm-ok-textfile.service $(DESTDIR)$(SYSTEMDUNITDIR)/kvm-ok-textfile.timer \
	  $(DESTDIR)$(UDEVRULESDIR)/65-kvm.rules $(DESTDIR)$(BUGDIR)/script \
	  $(DESTDIR)$(COMPLETIONDIR)/kvm-ok $(DESTDIR)$(COMPLETIONDIR)/modload $(DESTDIR)$(COMPLETIONDIR)/runner \
	  $(DESTDIR)$(ANSIBLEFACTSDIR)/kvm.fact

# a release tarball of the tracked files: kvm-host-toolkit-VERSION.tar.gz
DIST       := kvm-host-toolkit-$(VERSION)
DISTDIR    ?= .
dist:
	@command -v git >/dev/null || { echo "make dist: needs git: apt-get install git" >&2; exit 1; }
	@git rev-parse --git-dir >/dev/null 2>&1 || { echo "make dist: needs the git checkout (this tree is not one)" >&2; exit 1; }
	git archive --format=tar.gz --prefix=$(DIST)/ -o $(DISTDIR)/$(DIST).tar.gz HEAD
	@echo "$(DISTDIR)/$(DIST).tar.gz (the committed tree, HEAD)"

clean:
	rm -rf $(B) build-san build-arm64
