/* modules.c - KVM module state from /sys/module, availability via libkmod
 *
 * libkmod's own kmod_module_get_initstate() always reads the live
 * /sys/module, so the state is read here through the sysroot; what is
 * installed for the kernel is asked of libkmod, pointed at the root's
 * module tree and modprobe configuration.
 */
#include "modules.h"

#include <libkmod.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

void module_probe(const struct sysroot *root, const char *name, struct module_info *m)
{
	char path[256], text[32];
	struct stat st;

	memset(m, 0, sizeof(*m));
	m->name = name;
	snprintf(path, sizeof(path), "/sys/module/%s", name);
	if (sysroot_stat(root, path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		m->state = MODULE_ABSENT;
		return;
	}
	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	if (sysroot_stat(root, path, &st) < 0)
		m->state = MODULE_BUILTIN;
	else if (sysroot_read_text(root, path, text, sizeof(text)) < 0)
		m->state = MODULE_UNREADABLE;
	else if (strcmp(text, "live") == 0)
		m->state = MODULE_LIVE;
	else if (strcmp(text, "coming") == 0)
		m->state = MODULE_COMING;
	else if (strcmp(text, "going") == 0)
		m->state = MODULE_GOING;
	else
		m->state = MODULE_UNREADABLE;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/nested", name);
	if (sysroot_read_text(root, path, text, sizeof(text)) >= 0 &&
	    (strcmp(text, "Y") == 0 || strcmp(text, "N") == 0 ||
	     strcmp(text, "1") == 0 || strcmp(text, "0") == 0))
		snprintf(m->nested, sizeof(m->nested), "%.1s", text);
}

bool module_is_loaded(const struct module_info *m)
{
	return m->state == MODULE_LIVE || m->state == MODULE_BUILTIN;
}

const char *module_state_text(enum module_state state)
{
	switch (state) {
	case MODULE_ABSENT:
		return "not loaded";
	case MODULE_LIVE:
		return "loaded";
	case MODULE_COMING:
		return "still loading";
	case MODULE_GOING:
		return "being unloaded";
	case MODULE_BUILTIN:
		return "built into the kernel";
	case MODULE_UNREADABLE:
		break;
	}
	return "in an unreadable state";
}

const char *module_state_code(enum module_state state)
{
	static const char *const codes[] = { "absent", "live", "coming", "going", "builtin", "unreadable" };

	return codes[state];
}

static void log_nothing(void *data, int priority, const char *file, int line,
			const char *fn, const char *format, va_list args)
{
	(void)data, (void)priority, (void)file, (void)line, (void)fn, (void)format, (void)args;
}

enum module_availability module_availability(const struct sysroot *root, const char *release,
					     const char *name, char *path, size_t path_size,
					     char *tree, size_t tree_size)
{
	char modprobe_d[2][4096], dep[4096 + 32];
	const char *configs[3] = { modprobe_d[0], modprobe_d[1], NULL };
	enum module_availability result = MODULE_AVAIL_MISSING;
	struct kmod_list *list = NULL, *item;
	struct kmod_ctx *ctx;
	struct stat st;
	char rel[300];

	if (path_size)
		path[0] = '\0';
	snprintf(rel, sizeof(rel), "/lib/modules/%s", release);
	if (!sysroot_path(root, rel, tree, tree_size))
		return MODULE_AVAIL_UNKNOWN;
	snprintf(dep, sizeof(dep), "%s/modules.dep", tree);
	if (stat(dep, &st) < 0)
		return MODULE_AVAIL_UNKNOWN;
	if (!sysroot_path(root, "/etc/modprobe.d", modprobe_d[0], sizeof(modprobe_d[0])) ||
	    !sysroot_path(root, "/lib/modprobe.d", modprobe_d[1], sizeof(modprobe_d[1])))
		return MODULE_AVAIL_UNKNOWN;

	ctx = kmod_new(tree, sysroot_is_live(root) ? NULL : configs);
	if (!ctx)
		return MODULE_AVAIL_UNKNOWN;
	kmod_set_log_fn(ctx, log_nothing, NULL);
	if (kmod_module_new_from_lookup(ctx, name, &list) < 0 || !list) {
		kmod_unref(ctx);
		return MODULE_AVAIL_MISSING;
	}
	kmod_list_foreach(item, list) {
		struct kmod_module *mod = kmod_module_get_module(item);
		const char *file = kmod_module_get_path(mod);

		if (file) {
			result = MODULE_AVAIL_FILE;
			if (path_size)
				snprintf(path, path_size, "%s", file);
		} else if (result != MODULE_AVAIL_FILE) {
			result = MODULE_AVAIL_BUILTIN;
		}
		kmod_module_unref(mod);
	}
	kmod_module_unref_list(list);
	kmod_unref(ctx);
	return result;
}
