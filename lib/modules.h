/* modules.h - the state of the KVM kernel modules */
#ifndef KVMHOST_MODULES_H
#define KVMHOST_MODULES_H

#include <stdbool.h>

#include "sysroot.h"

enum module_state {
	MODULE_ABSENT,		/* no /sys/module/NAME */
	MODULE_LIVE,		/* initstate "live" */
	MODULE_COMING,		/* initstate "coming": being loaded */
	MODULE_GOING,		/* initstate "going": being unloaded */
	MODULE_BUILTIN,		/* /sys/module/NAME without initstate */
	MODULE_UNREADABLE,	/* initstate exists but says something else */
	MODULE_HIDDEN,		/* /sys/module is not visible here (systemd-nspawn): unknown */
};

struct module_info {
	const char *name;
	enum module_state state;
	char nested[8];		/* parameters/nested: "Y", "N", "1", "0" or "" */
};

/* What is installed for the running kernel, through libkmod. */
enum module_availability {
	MODULE_AVAIL_UNKNOWN,	/* no module tree for this kernel */
	MODULE_AVAIL_FILE,	/* a .ko file exists */
	MODULE_AVAIL_BUILTIN,	/* listed in modules.builtin */
	MODULE_AVAIL_MISSING,	/* module tree exists, module not in it */
};

void module_probe(const struct sysroot *root, const char *name, struct module_info *m);

/* Whether /sys/module shows the kernel's modules here: on the live host,
 * its kernel entry is there (every kernel has one; systemd-nspawn shows
 * none); in an image, unless its SNAPSHOT says "modules: hidden" (what
 * --collect records). */
bool modules_visible(const struct sysroot *root);

bool module_is_loaded(const struct module_info *m); /* live or built in */

const char *module_state_text(enum module_state state);

/* Short stable names for JSON: absent, live, coming, going, builtin,
 * unreadable, unknown. */
const char *module_state_code(enum module_state state);

/* Looks NAME up in DIR/lib/modules/RELEASE through libkmod, with the
 * modprobe configuration of the root.  path (if not NULL) receives the
 * module file.  tree receives the directory that was searched. */
enum module_availability module_availability(const struct sysroot *root, const char *release,
					     const char *name, char *path, size_t path_size,
					     char *tree, size_t tree_size);

/* Calls fn with each parameter of a module (/sys/module/NAME/parameters,
 * at most 256, in name order) and its value as read (at most 255 bytes,
 * trailing whitespace removed); path is the file's host path. */
void module_params_each(const struct sysroot *root, const char *module,
			void (*fn)(void *ctx, const char *path, const char *name, const char *value), void *ctx);

#endif
