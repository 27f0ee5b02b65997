/* module_load.h - loading and unloading the KVM modules through libkmod
 *
 * The logic modprobe has, as a library call: dependencies in order,
 * modprobe.d options and blacklists, dry runs; plus what modprobe does not
 * do: leaving the host as it was when the target module fails.
 */
#ifndef KVMHOST_MODULE_LOAD_H
#define KVMHOST_MODULE_LOAD_H

#include <stdbool.h>

#include "sysroot.h"

struct kmod_ctx;

#define MODULE_LOAD_MAX_STEPS 16

struct module_loader {
	struct kmod_ctx *ctx;
	char tree[1024];	/* the module directory in use */
	char error[3072];	/* why module_loader_open failed, or libkmod's last error */
	char note[320];		/* for a host image: whose kernel command line libkmod took, when not the image's;
				   known once module_load has made its plan */
	/* A host image without CAP_SYS_ADMIN: module_load makes its plan in a
	 * child in a user namespace of its own, where the image's command line
	 * can be put in place of the running kernel's (kmod_confined.h) */
	bool plan_in_child;
	const struct sysroot *root;
	const char *moddir;
	char release[256];
	char pending_note[320];	/* the note, should the child not be possible */
};

enum load_outcome {
	LOAD_INSERTED,		/* inserted now (with what it needed) */
	LOAD_ALREADY_LIVE,	/* it was loaded already */
	LOAD_BUILTIN,		/* built into the kernel */
	LOAD_DRY_RUN,		/* nothing done: steps lists what would be */
	LOAD_BLACKLISTED,	/* a blacklist line in modprobe.d stops it */
	LOAD_NOT_FOUND,		/* not in the module tree */
	LOAD_INSTALL_COMMAND,	/* modprobe.d wants a shell command: refused */
	LOAD_DEPENDENCY_CYCLE,	/* the module index is damaged: see cycle */
	LOAD_FAILED,		/* the kernel (or libkmod) said no: see error */
};

struct load_step {
	char module[64];
	char path[512];		/* the .ko file */
	char options[256];
	bool install_command;	/* an "install" line replaces insmod here */
};

struct load_result {
	enum load_outcome outcome;
	int error;			/* positive errno for LOAD_FAILED */
	char requested[64];		/* the name asked for */
	char failed_module[64];		/* which module the kernel refused (or was missing) */
	struct load_step steps[MODULE_LOAD_MAX_STEPS]; /* insmods attempted or planned */
	int nsteps;
	char rolled_back[256];		/* modules removed again after a failure */
	char rollback_error[256];	/* what could not be removed */
	char cycle[256];		/* "a -> b -> a", for LOAD_DEPENDENCY_CYCLE */
};

/* Opens libkmod on a module tree: moddir when given, else
 * ROOT/lib/modules/RELEASE; modprobe.d configuration from the root.
 * Returns 0, or -1 with l->error set. */
int module_loader_open(struct module_loader *l, const struct sysroot *root, const char *moddir,
		       const char *release);

void module_loader_close(struct module_loader *l);

/* Loads name with its dependencies.  options are added to those of
 * modprobe.d for name only.  A failed load removes again the dependencies
 * it inserted. */
void module_load(struct module_loader *l, const char *name, const char *options, bool dry_run,
		 struct load_result *r);

enum unload_outcome {
	UNLOAD_REMOVED,
	UNLOAD_NOT_LOADED,
	UNLOAD_BUILTIN,
	UNLOAD_IN_USE,		/* refcount or holders: see users */
	UNLOAD_FAILED,
};

struct unload_result {
	enum unload_outcome outcome;
	int error;
	int refcount;
	char holders[256];	/* modules that hold it */
	char removed[256];	/* what was removed, in order */
};

/* Removes name, then those of its dependencies nobody uses any more. */
void module_unload(struct module_loader *l, const char *name, struct unload_result *r);

#endif
