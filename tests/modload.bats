#!/usr/bin/env bats
# modload against fake module trees and a fake kernel: lookup, dependency
# order, modprobe.d options and blacklists, dry runs, failures and rollback,
# unloading and status.  The real kernel is tests/vm/.

load helpers/common

RELEASE=6.1.0-27-amd64

setup() {
	require_fake_kernel
	host_from_fixture amd-modules-not-loaded
	make_kvm_module_tree "$HOST" "$RELEASE"
	mkdir -p "$HOST/dev"
	export FAKE_KERNEL_LOG=$HOST_TMP/kernel.log
	export FAKE_KERNEL_DEVKVM=$HOST/dev/kvm
	export FAKE_KERNEL_DEPS="kvm_amd:kvm,ccp;kvm_intel:kvm;kvm:irqbypass"
	unset FAKE_KERNEL_FAIL
	: > "$FAKE_KERNEL_LOG"
}

teardown() {
	remove_host
}

modload() {
	run_in_fake_kernel "$BUILD/modload" --sysroot "$HOST" "$@"
}

loaded_modules() {
	(cd "$HOST/sys/module" && for m in *; do [ -f "$m/initstate" ] && printf '%s ' "$m"; done)
}

@test "modload: AMD CPU: kvm_amd with its dependencies in order, then /dev/kvm is reported" {
	modload
	assert_success
	assert_line "modload: kvm_amd loaded with irqbypass, kvm, ccp"
	assert_line "modload: /dev/kvm: stand-in file, owner root, group root, mode 0644 (rw-r--r--)"
	assert_equal "$(cat "$FAKE_KERNEL_LOG")" "insert irqbypass 
insert kvm 
insert ccp 
insert kvm_amd "
	assert_equal "$(loaded_modules)" "ccp irqbypass kvm kvm_amd pcspkr "
}

@test "modload: Intel CPU: kvm_intel" {
	remove_host
	host_from_fixture intel-module-not-loaded
	make_kvm_module_tree "$HOST" "$RELEASE"
	mkdir -p "$HOST/dev"
	export FAKE_KERNEL_DEVKVM=$HOST/dev/kvm
	modload
	assert_success
	assert_line "modload: kvm_intel loaded with irqbypass, kvm"
}

@test "modload: already loaded is success and said so" {
	modload -q
	assert_success
	assert_output ""
	modload
	assert_success
	assert_line "modload: kvm_amd is already loaded"
}

@test "modload: built into the kernel is success and said so" {
	mkdir -p "$HOST/sys/module/kvm_amd/parameters"
	make_module_tree "$HOST" "$RELEASE" irqbypass kvm:irqbypass builtin:kvm_amd
	modload
	assert_success
	assert_line "modload: kvm_amd is built into the kernel"
}

@test "modload --dry-run: the insmod sequence with modprobe.d options, nothing loaded" {
	mkdir -p "$HOST/etc/modprobe.d"
	echo "options kvm_amd avic=1" > "$HOST/etc/modprobe.d/kvm.conf"
	modload --dry-run --nested
	assert_success
	assert_equal "$output" "insmod $HOST/lib/modules/$RELEASE/kernel/arch/x86/kvm/irqbypass.ko
insmod $HOST/lib/modules/$RELEASE/kernel/arch/x86/kvm/kvm.ko
insmod $HOST/lib/modules/$RELEASE/kernel/arch/x86/kvm/ccp.ko
insmod $HOST/lib/modules/$RELEASE/kernel/arch/x86/kvm/kvm-amd.ko avic=1 nested=1"
	assert_equal "$(cat "$FAKE_KERNEL_LOG")" ""
	assert_equal "$(loaded_modules)" "pcspkr "
}

@test "modload --nested passes nested=1 to the vendor module only" {
	modload --nested
	assert_success
	assert_line "modload: kvm_amd loaded with irqbypass, kvm, ccp (nested=1)"
	assert_equal "$(grep kvm_amd "$FAKE_KERNEL_LOG")" "insert kvm_amd nested=1"
	assert_equal "$(cat "$HOST/sys/module/kvm_amd/parameters/nested")" 1
}

@test "modload: a blacklisted module is reported as blacklisted, exit 1, nothing loaded" {
	mkdir -p "$HOST/etc/modprobe.d"
	echo "blacklist kvm_amd" > "$HOST/etc/modprobe.d/no-kvm.conf"
	modload
	assert_failure 1
	assert_line 'modload: kvm_amd is blacklisted in modprobe.d (a "blacklist kvm_amd" line): remove that line to let modload load it'
	assert_equal "$(loaded_modules)" "pcspkr "
}

@test "modload: an install command in modprobe.d is refused, never run through a shell" {
	mkdir -p "$HOST/etc/modprobe.d"
	echo "install kvm_amd touch $HOST_TMP/shell-ran" > "$HOST/etc/modprobe.d/inst.conf"
	modload
	assert_failure 1
	assert_line --partial 'modload: modprobe.d has an "install" command for kvm_amd; modload runs no shell commands'
	[ ! -e "$HOST_TMP/shell-ran" ] || fail "the install command ran"
	# decided from the plan: nothing inserted first (it inserted three
	# modules, then refused and rolled them back), and the dry run says so
	assert_equal "$(cat "$FAKE_KERNEL_LOG")" ""
	modload --dry-run
	assert_failure 1
	assert_line --partial 'modload: modprobe.d has an "install" command for kvm_amd; modload runs no shell commands'
}

@test "modload: an install command for a dependency is refused before anything is inserted, naming that module" {
	mkdir -p "$HOST/etc/modprobe.d"
	echo "install kvm touch $HOST_TMP/shell-ran" > "$HOST/etc/modprobe.d/inst.conf"
	modload
	assert_failure 1
	assert_line --partial 'modload: modprobe.d has an "install" command for kvm; modload runs no shell commands: remove the line, or load it with modprobe kvm'
	assert_equal "$(cat "$FAKE_KERNEL_LOG")" ""
	[ ! -e "$HOST_TMP/shell-ran" ] || fail "the install command ran"
}

@test "modload: EOPNOTSUPP: VT missing or disabled: exit 4, kvm-ok's finding, kernel log, host left as found" {
	remove_host
	host_from_fixture amd-svm-disabled
	make_kvm_module_tree "$HOST" "$RELEASE"
	mkdir -p "$HOST/dev"
	printf '6,1201,5012345,-;kvm_amd: SVM disabled (by BIOS) in MSR_VM_CR\n6,1202,5012399,-;usb 1-1: new device\n' > "$HOST/dev/kmsg"
	export FAKE_KERNEL_FAIL=kvm_amd=EOPNOTSUPP
	modload
	assert_failure 4
	assert_line "modload: cannot load kvm_amd: Operation not supported (EOPNOTSUPP): the CPU lacks AMD-V (SVM) or the firmware disabled it"
	assert_line "INFO: VM_CR (MSR 0xc0010114) = 0x18 on CPU 0: DISABLED by firmware (4 of 4 CPUs read)"
	assert_line "INFO: reason disabled-by-firmware: the CPU supports SVM but the firmware disabled it"
	assert_line --partial "HINT: Enter the firmware (BIOS/UEFI) setup, enable \"SVM Mode\" (AMD-V)"
	assert_line "  kvm_amd: SVM disabled (by BIOS) in MSR_VM_CR"
	refute_line --partial "usb 1-1"
	assert_line "modload: removed again what this attempt had loaded: kvm ccp irqbypass"
	assert_equal "$(loaded_modules)" ""
}

@test "modload: a CPU without VT: exit 4 (nothing to load) with the no-cpu-support diagnosis, no module tree needed" {
	remove_host
	host_from_fixture intel-no-vt
	export FAKE_KERNEL_FAIL=kvm_intel=EOPNOTSUPP
	modload
	assert_failure 4
	assert_line "modload: kvm_intel cannot load: the CPU does not report Intel VT-x (VMX) (CPUID): this host cannot run KVM, nothing to load"
	assert_line "INFO: CPUID: the CPU does not report VMX"
	assert_line "INFO: reason no-cpu-support: the CPU has no VMX"
	assert_equal "$(cat "$FAKE_KERNEL_LOG")" ""
	modload --quiet
	assert_failure 4
	assert_output "modload: kvm_intel cannot load: the CPU does not report Intel VT-x (VMX) (CPUID): this host cannot run KVM, nothing to load"
}

@test "modload: kvm_pvm's /dev/kvm on a CPU without VT (the build machines): exit 4, named" {
	remove_host
	host_from_fixture amd-kvm-pvm-not-accelerated
	run "$BUILD/modload" --quiet --sysroot "$HOST"
	assert_failure 4
	assert_output --partial "(its /dev/kvm comes from kvm_pvm, which runs only PVM-aware guest kernels at speed)"
	[ "${#lines[@]}" -eq 1 ] || fail "--quiet printed more than one line: $output"
}

@test "modload: built in, with no module tree at all, is success" {
	rm -rf "$HOST/lib/modules"
	mkdir -p "$HOST/sys/module/kvm_amd/parameters"
	modload
	assert_success
	assert_line "modload: kvm_amd is built into the kernel"
	refute_output --partial "module index"
}

@test "modload: already loaded, with no module tree at all, is success" {
	rm -rf "$HOST/lib/modules"
	mkdir -p "$HOST/sys/module/kvm_amd"
	echo live > "$HOST/sys/module/kvm_amd/initstate"
	modload --nested
	assert_success
	assert_line "modload: kvm_amd is already loaded (its options cannot change until it is unloaded)"
}

@test "modload: options in usr/lib/modprobe.d are read under --sysroot" {
	mkdir -p "$HOST/usr/lib/modprobe.d"
	echo "options kvm_amd avic=1" > "$HOST/usr/lib/modprobe.d/kvm.conf"
	modload --dry-run
	assert_success
	assert_line "insmod $HOST/lib/modules/$RELEASE/kernel/arch/x86/kvm/kvm-amd.ko avic=1"
}

@test "modload: an alias to a module that is not there is named, never an empty insmod" {
	mkdir -p "$HOST/etc/modprobe.d"
	echo "alias kvm_amd other_module" > "$HOST/etc/modprobe.d/alias.conf"
	modload --dry-run
	assert_failure 1
	refute_line --regexp '^insmod *$'
	assert_line "modload: kvm_amd is an alias for other_module (modprobe.d), which is not installed for kernel $RELEASE (not in $HOST/lib/modules/$RELEASE): remove the alias line, or install the module it names"
}

@test "modload: a kvm that was loaded before stays loaded when the vendor module fails" {
	export FAKE_KERNEL_FAIL=kvm_amd=EOPNOTSUPP
	mkdir -p "$HOST/sys/module/kvm" "$HOST/sys/module/irqbypass"
	echo live > "$HOST/sys/module/kvm/initstate"; echo 0 > "$HOST/sys/module/kvm/refcnt"
	echo live > "$HOST/sys/module/irqbypass/initstate"; echo 1 > "$HOST/sys/module/irqbypass/refcnt"
	modload
	assert_failure 1
	assert_line "modload: removed again what this attempt had loaded: ccp"
	assert_equal "$(loaded_modules)" "irqbypass kvm pcspkr "
}

@test "modload: EPERM as root with module loading disabled says so" {
	echo 1 > "$HOST/proc/sys/kernel/modules_disabled"
	export FAKE_KERNEL_FAIL=irqbypass=EPERM
	modload
	assert_failure 1
	assert_line "modload: cannot load irqbypass: Operation not permitted (EPERM): module loading is disabled (kernel.modules_disabled=1) until the next boot"
}

@test "modload: EPERM with module_blacklist= on the kernel command line says so" {
	echo "BOOT_IMAGE=/vmlinuz root=/dev/sda1 module_blacklist=foo,kvm_amd quiet" > "$HOST/proc/cmdline"
	export FAKE_KERNEL_FAIL=kvm_amd=EPERM
	modload
	assert_failure 1
	assert_line --partial "the kernel command line blacklists it (module_blacklist=kvm_amd)"
}

@test "modload: ENOEXEC: built for another kernel" {
	export FAKE_KERNEL_FAIL=kvm=ENOEXEC
	modload
	assert_failure 1
	assert_line "modload: cannot load kvm: Exec format error (ENOEXEC): the module was built for another kernel than $RELEASE: reinstall linux-image-$RELEASE, or boot the kernel its modules belong to"
	assert_line "modload: removed again what this attempt had loaded: irqbypass"
}

@test "modload: not in the module tree: names the kernel and the package" {
	rm -rf "$HOST/lib/modules"
	make_module_tree "$HOST" "$RELEASE" irqbypass kvm:irqbypass
	modload
	assert_failure 1
	assert_line "modload: kvm_amd is not installed for kernel $RELEASE (not in $HOST/lib/modules/$RELEASE): install the package that ships the running kernel's modules (linux-image-$RELEASE), or boot a kernel that has it"
}

@test "modload: no module index at all (the build machines): says what is missing" {
	rm -rf "$HOST/lib/modules"
	modload
	assert_failure 1
	assert_line --partial "modload: cannot load kvm_amd: no module index for kernel $RELEASE: $HOST/lib/modules/$RELEASE/modules.dep: No such file or directory"
}

@test "modload --msr also loads msr" {
	modload --msr
	assert_success
	assert_line "modload: msr loaded"
	[ -f "$HOST/sys/module/msr/initstate" ] || fail "msr not loaded"
}

@test "modload -r: removes the vendor module, then kvm and what nothing else uses" {
	modload -q
	modload -r
	assert_success
	assert_line "modload: removed kvm_amd kvm ccp irqbypass"
	assert_equal "$(loaded_modules)" "pcspkr "
	modload -r
	assert_success
	assert_line "modload: kvm_amd is not loaded"
}

@test "modload -r: refuses while guests hold the module" {
	modload -q
	echo 2 > "$HOST/sys/module/kvm_amd/refcnt"
	modload --unload
	assert_failure 1
	assert_line "modload: kvm_amd is in use (2 users): stop the virtual machines that use it (pgrep -a qemu; virsh list), then try again"
	assert_equal "$(loaded_modules)" "ccp irqbypass kvm kvm_amd pcspkr "
}

@test "modload --status: exit 3 before loading, 0 after, with /dev/kvm; --json too" {
	modload --status
	assert_failure 3
	assert_line "kvm_amd: not loaded"
	assert_line "/dev/kvm: absent"
	modload -q --nested
	modload --status
	assert_success
	assert_line "kvm: loaded"
	assert_line "kvm_amd: loaded, nested=1"
	modload --status --json
	assert_success
	assert_equal "$(jq -r .modules.kvm_amd.state <<<"$output")" live
	assert_equal "$(jq -r .modules.kvm_amd.nested <<<"$output")" 1
	assert_equal "$(jq -r .device.exists <<<"$output")" true
	assert_equal "$(jq -r .loaded <<<"$output")" true
}

@test "modload: usage errors exit 2" {
	run "$BUILD/modload" kvm_amd
	assert_failure 2
	run "$BUILD/modload" --status --unload
	assert_failure 2
	run "$BUILD/modload" --json
	assert_failure 2
	assert_output --partial "--json goes with --status"
	run "$BUILD/modload" --sysroot /nonexistent
	assert_failure 2
}

@test "modload --help and --version" {
	run "$BUILD/modload" --help
	assert_success
	for opt in --dry-run --nested --msr --unload --status --json --quiet --sysroot --moddir; do
		assert_output --partial -- "$opt"
	done
	run "$BUILD/modload" --version
	assert_output "modload $(cat "$TOP/VERSION")"
}

@test "modload --dry-run without /proc (a chroot, early boot): the same answer as with it; uname gives the release" {
	# before: exit 1, "cannot tell the running kernel's release", ahead
	# of the CPU's "nothing to load" (exit 4)
	[ "$BUILD" = "$TOP/build" ] || skip "the sanitizer runtime itself needs /proc"
	run "$BUILD/modload" --dry-run
	with_proc=$status
	run unshare --mount --propagation private -- sh -c 'umount -l /proc && exec "$1" --dry-run' sh "$BUILD/modload"
	refute_output --partial "cannot tell the running kernel's release"
	assert_equal "$status" "$with_proc"
}
