/* modules.c - KVM module state from /sys/module, availability via libkmod
 *
 * libkmod's own kmod_module_get_initstate() always reads the live
 * /sys/module, so the state is read here through the sysroot; what is
 * installed for the kernel is asked of libkmod (loaded on first use),
 * pointed at the root's module tree and modprobe configuration.
 */
#include "modules.h"

#include "kmod_confined.h"

#include <dlfcn.h>
#include <libkmod.h>
#include <stdio.h>
#include <dirent.h>
#include <stdlib.h>
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
		m->state = modules_visible(root) ? MODULE_ABSENT : MODULE_HIDDEN;
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

	if (sysroot_readf_text(root, text, sizeof(text), "/sys/module/%s/parameters/nested", name) >= 0 &&
	    (strcmp(text, "Y") == 0 || strcmp(text, "N") == 0 ||
	     strcmp(text, "1") == 0 || strcmp(text, "0") == 0))
		snprintf(m->nested, sizeof(m->nested), "%.1s", text);
}

bool modules_visible(const struct sysroot *root)
{
	char text[512];
	struct stat st;

	if (sysroot_is_live(root))
		return sysroot_stat(root, "/sys/module/kernel", &st) == 0;
	return sysroot_read_text(root, "/SNAPSHOT", text, sizeof(text)) < 0 || !strstr(text, "\nmodules: hidden");
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
	case MODULE_HIDDEN:
		return "unknown (/sys/module is not visible here)";
	}
	return "in an unreadable state";
}

const char *module_state_code(enum module_state state)
{
	static const char *const codes[] = { "absent", "live", "coming", "going", "builtin", "unreadable", "unknown" };

	return codes[state];
}

/* libkmod is loaded only when a lookup is needed: kvm-ok and the runner
 * start faster without it (and without the libraries it pulls in). */
struct kmod_api {
	struct kmod_ctx *(*new_ctx)(const char *, const char *const *);
	void (*set_log_fn)(struct kmod_ctx *, void (*)(void *, int, const char *, int, const char *, const char *,
						       va_list), const void *);
	int (*lookup)(struct kmod_ctx *, const char *, struct kmod_list **);
	struct kmod_list *(*list_next)(const struct kmod_list *, const struct kmod_list *);
	struct kmod_module *(*get_module)(const struct kmod_list *);
	const char *(*get_path)(const struct kmod_module *);
	const char *(*get_name)(const struct kmod_module *);
	struct kmod_module *(*module_unref)(struct kmod_module *);
	int (*unref_list)(struct kmod_list *);
	struct kmod_ctx *(*unref_ctx)(struct kmod_ctx *);
};

static bool kmod_api_load(struct kmod_api *k)
{
	static void *handle;

	if (!handle)
		handle = dlopen("libkmod.so.2", RTLD_NOW | RTLD_LOCAL);
	if (!handle)
		return false;
	*(void **)&k->new_ctx = dlsym(handle, "kmod_new");
	*(void **)&k->set_log_fn = dlsym(handle, "kmod_set_log_fn");
	*(void **)&k->lookup = dlsym(handle, "kmod_module_new_from_lookup");
	*(void **)&k->list_next = dlsym(handle, "kmod_list_next");
	*(void **)&k->get_module = dlsym(handle, "kmod_module_get_module");
	*(void **)&k->get_path = dlsym(handle, "kmod_module_get_path");
	*(void **)&k->get_name = dlsym(handle, "kmod_module_get_name");
	*(void **)&k->module_unref = dlsym(handle, "kmod_module_unref");
	*(void **)&k->unref_list = dlsym(handle, "kmod_module_unref_list");
	*(void **)&k->unref_ctx = dlsym(handle, "kmod_unref");
	return k->new_ctx && k->set_log_fn && k->lookup && k->list_next && k->get_module && k->get_path && k->get_name &&
	       k->module_unref && k->unref_list && k->unref_ctx;
}

static void log_nothing(void *data, int priority, const char *file, int line,
			const char *fn, const char *format, va_list args)
{
	(void)data, (void)priority, (void)file, (void)line, (void)fn, (void)format, (void)args;
}

/* Whether TREE/modules.builtin lists NAME (as kernel/.../NAME.ko, with '-'
 * and '_' the same).  A module libkmod resolves without a file is built in
 * only when listed there: "alias kvm_amd other" resolves to a module that
 * simply does not exist. */
static bool listed_builtin(const char *tree, const char *name)
{
	char path[4096 + 32], line[512];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/modules.builtin", tree);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *base = strrchr(line, '/');
		size_t n;

		base = base ? base + 1 : line;
		n = strcspn(base, "\n");
		if (n < 3 || strncmp(base + n - 3, ".ko", 3) != 0 || n - 3 != strlen(name))
			continue;
		found = true;
		for (size_t i = 0; i < n - 3 && found; i++)
			found = base[i] == name[i] || (strchr("-_", base[i]) && strchr("-_", name[i]));
	}
	fclose(f);
	return found;
}

enum module_availability module_availability(const struct sysroot *root, const char *release,
					     const char *name, char *path, size_t path_size,
					     char *tree, size_t tree_size)
{
	const char *const *config_paths;
	struct kmod_confined confined;
	char dep[4096 + 32], why[400], kmod_log[32];
	enum module_availability result = MODULE_AVAIL_MISSING;
	struct kmod_list *list = NULL, *item;
	struct kmod_api kmod;
	struct kmod_ctx *ctx;
	struct stat st;
	char rel[300];

	if (path_size)
		path[0] = '\0';
	snprintf(rel, sizeof(rel), "/lib/modules/%s", release);
	if (!sysroot_path(root, rel, tree, tree_size) || sysroot_check_inside(root, rel) < 0)
		return MODULE_AVAIL_UNKNOWN;
	snprintf(dep, sizeof(dep), "%s/modules.dep", tree);
	if (stat(dep, &st) < 0)
		return MODULE_AVAIL_UNKNOWN;
	if (!kmod_api_load(&kmod))
		return MODULE_AVAIL_UNKNOWN;

	if (kmod_confined_tree(root, rel, why, sizeof(why)) < 0 ||
	    kmod_confined_config(root, &confined, &config_paths, why, sizeof(why)) < 0)
		return MODULE_AVAIL_UNKNOWN;
	kmod_confined_quiet_begin(root, kmod_log, sizeof(kmod_log));
	ctx = kmod.new_ctx(tree, config_paths);	/* reads the configuration */
	kmod_confined_quiet_end(root, kmod_log);
	kmod_confined_release(&confined);
	if (!ctx)
		return MODULE_AVAIL_UNKNOWN;
	kmod.set_log_fn(ctx, log_nothing, NULL);
	if (kmod.lookup(ctx, name, &list) < 0 || !list) {
		kmod.unref_ctx(ctx);
		return MODULE_AVAIL_MISSING;
	}
	for (item = list; item; item = kmod.list_next(list, item)) {
		struct kmod_module *mod = kmod.get_module(item);
		const char *file = kmod.get_path(mod);

		if (file) {
			result = MODULE_AVAIL_FILE;
			if (path_size)
				snprintf(path, path_size, "%s", file);
		} else if (result != MODULE_AVAIL_FILE && listed_builtin(tree, kmod.get_name(mod))) {
			result = MODULE_AVAIL_BUILTIN;
		}
		kmod.module_unref(mod);
	}
	kmod.unref_list(list);
	kmod.unref_ctx(ctx);
	return result;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void module_params_each(const struct sysroot *root, const char *module,
			void (*fn)(void *ctx, const char *path, const char *name, const char *value), void *ctx)
{
	char dir[4096], *names[256] = { NULL };
	const struct dirent *e;
	int n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "/sys/module/%s/parameters", module);
	if (!(d = sysroot_opendir(root, dir)))
		return;
	while ((e = readdir(d)) != NULL && n < 256)
		if (e->d_name[0] != '.' && (names[n] = strdup(e->d_name)) != NULL)
			n++;
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), by_name);
	for (int i = 0; i < n; i++) {
		char path[4400], value[256];

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (sysroot_read_text(root, path, value, sizeof(value)) >= 0)
			fn(ctx, path, names[i], value);
		free(names[i]);
	}
}
