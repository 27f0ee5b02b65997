/* module_load.c - libkmod probe-insert with rollback, and removal */
#include "module_load.h"

#include <errno.h>
#include <fcntl.h>
#include <libkmod.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "child.h"
#include "fd_io.h"
#include "kmod_confined.h"
#include "module_deps.h"
#include "modules.h"

#define MAX_DEPS 64	/* dependencies of one module tracked for rollback */

/* libkmod's print_action callback carries no user data: the result being
 * filled is kept here for the duration of one module_load call. */
static struct load_result *current_result;

/* libkmod's messages go to the loader's error buffer instead of stderr. */
static void keep_last_message(void *data, int priority, const char *file, int line,
			      const char *fn, const char *format, va_list args)
{
	struct module_loader *l = data;

	(void)file, (void)line, (void)fn;
	if (priority > 3)	/* LOG_ERR */
		return;
	vsnprintf(l->error, sizeof(l->error), format, args);
	l->error[strcspn(l->error, "\n")] = '\0';
}

/* l->tree: --moddir, or the image's /lib/modules/RELEASE (rel) when it
 * stays inside the image; it must hold a modules.dep.  0, or -1 with
 * l->error. */
static int find_tree(struct module_loader *l, const struct sysroot *root, const char *moddir, const char *release,
		     const char *rel)
{
	char dep[1100];
	struct stat st;

	if (moddir)
		snprintf(l->tree, sizeof(l->tree), "%s", moddir);
	else if (!sysroot_path(root, rel, l->tree, sizeof(l->tree))) {
		snprintf(l->error, sizeof(l->error), "module directory path too long");
		return -1;
	} else if (sysroot_check_inside(root, rel) < 0) {
		snprintf(l->error, sizeof(l->error), "%s leads outside the host image (%s): not read", l->tree,
			 strerror(errno));
		return -1;
	}
	snprintf(dep, sizeof(dep), "%s/modules.dep", l->tree);
	if (stat(dep, &st) < 0) {
		snprintf(l->error, sizeof(l->error),
			 "no module index for kernel %s: %s: %s; install the kernel's modules "
			 "(package linux-image-%s) or run depmod %s", release, dep, strerror(errno), release, release);
		return -1;
	}
	return 0;
}

int module_loader_open(struct module_loader *l, const struct sysroot *root, const char *moddir,
		       const char *release)
{
	const char *const *config_paths;
	struct kmod_confined confined;
	char why[400], kmod_log[32], rel[300];
	int rc;

	memset(l, 0, sizeof(*l));
	snprintf(rel, sizeof(rel), "/lib/modules/%s", release);
	if (find_tree(l, root, moddir, release, rel) < 0)
		return -1;
	if ((!moddir && kmod_confined_tree(root, rel, why, sizeof(why)) < 0) ||
	    kmod_confined_config(root, &confined, &config_paths, why, sizeof(why)) < 0) {
		snprintf(l->error, sizeof(l->error), "%s", why);
		return -1;
	}
	kmod_confined_quiet_begin(root, kmod_log, sizeof(kmod_log));
	l->ctx = kmod_new(l->tree, config_paths);	/* reads the configuration */
	kmod_confined_quiet_end(root, kmod_log);
	if (confined.cmdline_note[0]) {
		/* the plan is made again in a child that can put the image's
		 * command line in place; this context serves the rest */
		l->plan_in_child = true;
		l->root = root;
		l->moddir = moddir;
		snprintf(l->release, sizeof(l->release), "%s", release);
		snprintf(l->pending_note, sizeof(l->pending_note), "%s", confined.cmdline_note);
	}
	kmod_confined_release(&confined);
	if (!l->ctx) {
		snprintf(l->error, sizeof(l->error), "libkmod could not start on %s", l->tree);
		return -1;
	}
	kmod_set_log_priority(l->ctx, 3);	/* LOG_ERR, into l->error */
	kmod_set_log_fn(l->ctx, keep_last_message, l);
	rc = kmod_load_resources(l->ctx);
	if (rc < 0) {
		snprintf(l->error, sizeof(l->error), "the module index in %s cannot be read: %s; run depmod %s",
			 l->tree, strerror(-rc), release);
		kmod_unref(l->ctx);
		l->ctx = NULL;
		return -1;
	}
	return 0;
}

void module_loader_close(struct module_loader *l)
{
	if (l->ctx)
		kmod_unref(l->ctx);
	l->ctx = NULL;
}

static void record_action(struct kmod_module *m, bool install, const char *options)
{
	struct load_result *r = current_result;
	struct load_step *s;
	const char *path;

	if (!r || r->nsteps == MODULE_LOAD_MAX_STEPS)
		return;
	s = &r->steps[r->nsteps++];
	path = kmod_module_get_path(m);
	snprintf(s->module, sizeof(s->module), "%s", kmod_module_get_name(m));
	snprintf(s->path, sizeof(s->path), "%s", path ? path : "");
	snprintf(s->options, sizeof(s->options), "%s", options ? options : "");
	for (size_t n = strlen(s->options); n > 0 && s->options[n - 1] == ' '; n--)
		s->options[n - 1] = '\0';	/* libkmod leaves a space after the last option */
	s->install_command = install;
}

/* An "install" line in modprobe.d would have libkmod run a shell: refuse. */
static int refuse_install_command(struct kmod_module *m, const char *cmd, void *data)
{
	(void)m, (void)cmd, (void)data;
	return -EPERM;
}

static bool in_kernel(struct kmod_module *m)
{
	int state = kmod_module_get_initstate(m);

	return state == KMOD_MODULE_LIVE || state == KMOD_MODULE_COMING || state == KMOD_MODULE_BUILTIN;
}

static void append_name(char *list, size_t size, const char *name)
{
	size_t used = strlen(list);

	snprintf(list + used, size - used, "%s%s", used ? " " : "", name);
}

static bool in_use(struct kmod_module *m)
{
	struct kmod_list *holders;
	bool held;

	if (kmod_module_get_refcnt(m) != 0)
		return true;
	holders = kmod_module_get_holders(m);
	held = holders != NULL;
	kmod_module_unref_list(holders);
	return held;
}

/* Removes the live, unused modules of mods (those marked eligible, or all
 * when eligible is NULL), repeating while one removal frees another, as
 * modprobe -r does.  Appends each removed name to removed. */
static void remove_unused(struct kmod_list *mods, const bool *eligible, char *removed, size_t size)
{
	bool progress = true;

	while (progress) {
		struct kmod_list *item;
		int i = 0;

		progress = false;
		kmod_list_foreach(item, mods) {
			struct kmod_module *m = kmod_module_get_module(item);

			if ((!eligible || (i < MAX_DEPS && eligible[i])) &&
			    kmod_module_get_initstate(m) == KMOD_MODULE_LIVE && !in_use(m) &&
			    kmod_module_remove_module(m, KMOD_REMOVE_NOWAIT) == 0) {
				append_name(removed, size, kmod_module_get_name(m));
				progress = true;
			}
			kmod_module_unref(m);
			i++;
		}
	}
}

/* After a failed load: removes what this load inserted (loaded now, not
 * before), and names what could not be removed. */
static void roll_back(struct kmod_list *deps, const bool *was_in_kernel, struct load_result *r)
{
	bool inserted[MAX_DEPS];
	struct kmod_list *item;
	int i = 0;

	for (int k = 0; k < MAX_DEPS; k++)
		inserted[k] = !was_in_kernel[k];
	remove_unused(deps, inserted, r->rolled_back, sizeof(r->rolled_back));
	kmod_list_foreach(item, deps) {
		struct kmod_module *m;

		if (i == MAX_DEPS)
			break;
		m = kmod_module_get_module(item);
		if (inserted[i++] && kmod_module_get_initstate(m) == KMOD_MODULE_LIVE)
			append_name(r->rollback_error, sizeof(r->rollback_error), kmod_module_get_name(m));
		kmod_module_unref(m);
	}
}

static struct kmod_module *lookup_one(struct module_loader *l, const char *name)
{
	struct kmod_list *list = NULL;
	struct kmod_module *mod = NULL;

	if (kmod_module_new_from_lookup(l->ctx, name, &list) < 0 || !list)
		return NULL;
	mod = kmod_module_get_module(list);
	kmod_module_unref_list(list);
	return mod;
}

/* A plan that must not run: an install command (libkmod would run a
 * shell).  True with r's outcome set. */
static bool plan_refused(struct load_result *r)
{
	for (int i = 0; i < r->nsteps; i++)
		if (r->steps[i].install_command) {
			r->outcome = LOAD_INSTALL_COMMAND;
			snprintf(r->failed_module, sizeof(r->failed_module), "%s", r->steps[i].module);
			return true;
		}
	return false;
}

/* What the child of load_in_child hands back. */
struct child_plan {
	int opened;			/* its module_loader_open succeeded */
	struct load_result r;
	char error[sizeof(((struct module_loader *)0)->error)];
};

/* What the child of load_in_child is asked. */
struct plan_job {
	struct module_loader *l;
	const char *name, *options;
	bool dry_run;
	struct child_plan *plan;
};

/* The child: a user namespace of its own, libkmod opened there with the
 * image's command line in place, the plan written whole to the pipe. */
static int plan_in_namespace(void *arg, int report_fd)
{
	struct plan_job *job = arg;
	struct child_plan *plan = job->plan;
	struct module_loader child;

	if (kmod_confined_user_namespace() < 0)
		return 1;
	plan->opened = module_loader_open(&child, job->l->root, job->l->moddir, job->l->release) == 0 &&
		       !child.plan_in_child;
	if (plan->opened)
		module_load(&child, job->name, job->options, job->dry_run, &plan->r);
	snprintf(plan->error, sizeof(plan->error), "%s", child.error);
	return plan->opened && fd_write_all(report_fd, plan, sizeof(*plan)) == 0 ? 0 : 1;
}

/* module_load in a forked child that enters a user namespace of its own and
 * opens libkmod there with the image's command line in place; the result
 * comes back through a pipe (the same program on both ends).  0, or -1 when
 * the child could not make its plan so (user namespaces refused here). */
static int load_in_child(struct module_loader *l, const char *name, const char *options, bool dry_run,
			 struct load_result *r)
{
	struct child_plan *plan = calloc(1, sizeof(*plan));
	struct plan_job job = { l, name, options, dry_run, plan };
	struct child_output rd = { (char *)plan, sizeof(*plan), 0, false };
	const struct child_watch watch = { .on_data = child_collect, .ctx = &rd };
	struct child c;
	int rc = -1;

	if (!plan)
		return -1;
	if (child_start(&c, &(const struct child_spec){ .fn = plan_in_namespace, .arg = &job, .report = true,
							 .in = CHILD_KEEP, .out = CHILD_KEEP,
							 .err = CHILD_KEEP }) == 0) {
		child_watch(&c, &watch);
		child_reap(&c, NULL);
		rc = rd.used == sizeof(*plan) && !rd.overflow && child_exit_code(&c) == 0 ? 0 : -1;
	}
	if (rc == 0) {
		*r = plan->r;
		snprintf(l->error, sizeof(l->error), "%s", plan->error);
	}
	free(plan);
	return rc;
}

/* The module that name gives, when it can be planned: NULL with the
 * outcome in r when it is not found, already there, or its dependencies
 * go round in a cycle. */
static struct kmod_module *module_to_plan(struct module_loader *l, const char *name, struct load_result *r)
{
	struct kmod_module *mod = lookup_one(l, name);
	int state;

	if (!mod) {
		r->outcome = LOAD_NOT_FOUND;
		r->error = ENOENT;
		snprintf(r->failed_module, sizeof(r->failed_module), "%s", name);
		return NULL;
	}
	state = kmod_module_get_initstate(mod);
	if (state == KMOD_MODULE_BUILTIN || state == KMOD_MODULE_LIVE) {
		r->outcome = state == KMOD_MODULE_BUILTIN ? LOAD_BUILTIN : LOAD_ALREADY_LIVE;
	} else if (!kmod_module_get_path(mod)) {
		/* e.g. "alias kvm_amd other" in modprobe.d, other not in the tree */
		r->outcome = LOAD_NOT_FOUND;
		r->error = ENOENT;
		snprintf(r->failed_module, sizeof(r->failed_module), "%s", kmod_module_get_name(mod));
	} else if (module_deps_cycle(mod, r->cycle, sizeof(r->cycle))) {
		/* decided before libkmod plans: it would insert a module twice */
		r->outcome = LOAD_DEPENDENCY_CYCLE;
		snprintf(r->failed_module, sizeof(r->failed_module), "%s", kmod_module_get_name(mod));
	} else {
		return mod;
	}
	kmod_module_unref(mod);
	return NULL;
}

/* What libkmod's answer rc means for r; a failed real load is rolled back
 * (deps and was_in_kernel: the dependencies before it). */
static void take_outcome(int rc, const char *name, bool dry_run, struct kmod_list *deps,
			 const bool was_in_kernel[], struct load_result *r)
{
	if (rc > 0) {
		r->outcome = LOAD_BLACKLISTED;
		snprintf(r->failed_module, sizeof(r->failed_module), "%s", name);
		return;
	}
	if (rc == 0) {
		r->outcome = dry_run ? LOAD_DRY_RUN : LOAD_INSERTED;
		return;
	}
	r->error = -rc;
	if (r->nsteps > 0) {
		const struct load_step *last = &r->steps[r->nsteps - 1];

		snprintf(r->failed_module, sizeof(r->failed_module), "%s", last->module);
		r->outcome = last->install_command ? LOAD_INSTALL_COMMAND : LOAD_FAILED;
	} else {
		snprintf(r->failed_module, sizeof(r->failed_module), "%s", name);
		r->outcome = LOAD_FAILED;
	}
	if (!dry_run)
		roll_back(deps, was_in_kernel, r);
}

void module_load(struct module_loader *l, const char *name, const char *options, bool dry_run,
		 struct load_result *r)
{
	const char *opts = options && *options ? options : NULL;
	bool was_in_kernel[MAX_DEPS] = { false };
	struct kmod_list *deps, *item;
	struct kmod_module *mod;
	int rc, i = 0;

	if (l->plan_in_child) {
		if (load_in_child(l, name, options, dry_run, r) == 0)
			return;
		/* no user namespace here: the running kernel's command line it is */
		l->plan_in_child = false;
		snprintf(l->note, sizeof(l->note), "%s", l->pending_note);
	}
	memset(r, 0, sizeof(*r));
	snprintf(r->requested, sizeof(r->requested), "%s", name);
	mod = module_to_plan(l, name, r);
	if (!mod)
		return;
	deps = kmod_module_get_dependencies(mod);
	kmod_list_foreach(item, deps) {
		struct kmod_module *m;

		if (i == MAX_DEPS)
			break;
		m = kmod_module_get_module(item);
		was_in_kernel[i++] = in_kernel(m);
		kmod_module_unref(m);
	}
	/* the plan first, always: an install command is refused before
	 * anything is inserted, and a dry run says the same */
	current_result = r;
	l->error[0] = '\0';
	rc = kmod_module_probe_insert_module(mod, KMOD_PROBE_APPLY_BLACKLIST | KMOD_PROBE_DRY_RUN, opts,
					     refuse_install_command, NULL, record_action);
	if (rc != 0 || !plan_refused(r)) {
		if (rc == 0 && !dry_run) {
			r->nsteps = 0;
			l->error[0] = '\0';
			rc = kmod_module_probe_insert_module(mod, KMOD_PROBE_APPLY_BLACKLIST, opts,
							     refuse_install_command, NULL, record_action);
		}
		take_outcome(rc, name, dry_run, deps, was_in_kernel, r);
	}
	current_result = NULL;
	kmod_module_unref_list(deps);
	kmod_module_unref(mod);
}

static void holder_names(struct kmod_module *mod, char *out, size_t size)
{
	struct kmod_list *holders = kmod_module_get_holders(mod), *item;

	out[0] = '\0';
	kmod_list_foreach(item, holders) {
		struct kmod_module *h = kmod_module_get_module(item);

		append_name(out, size, kmod_module_get_name(h));
		kmod_module_unref(h);
	}
	kmod_module_unref_list(holders);
}

void module_unload(struct module_loader *l, const char *name, struct unload_result *r)
{
	struct kmod_list *deps;
	struct kmod_module *mod;
	int state, rc;

	memset(r, 0, sizeof(*r));
	mod = lookup_one(l, name);
	if (!mod) {
		r->outcome = UNLOAD_NOT_LOADED;
		return;
	}
	state = kmod_module_get_initstate(mod);
	if (state == KMOD_MODULE_BUILTIN || state < 0) {
		r->outcome = state == KMOD_MODULE_BUILTIN ? UNLOAD_BUILTIN : UNLOAD_NOT_LOADED;
		kmod_module_unref(mod);
		return;
	}
	r->refcount = kmod_module_get_refcnt(mod);
	holder_names(mod, r->holders, sizeof(r->holders));
	if (r->refcount > 0 || r->holders[0]) {
		r->outcome = UNLOAD_IN_USE;
		kmod_module_unref(mod);
		return;
	}
	rc = kmod_module_remove_module(mod, KMOD_REMOVE_NOWAIT);
	if (rc < 0) {
		r->error = -rc;
		r->outcome = rc == -EBUSY || rc == -EAGAIN ? UNLOAD_IN_USE : UNLOAD_FAILED;
		kmod_module_unref(mod);
		return;
	}
	r->outcome = UNLOAD_REMOVED;
	append_name(r->removed, sizeof(r->removed), name);

	/* then what it depended on, when nothing else uses it (as modprobe -r) */
	deps = kmod_module_get_dependencies(mod);
	remove_unused(deps, NULL, r->removed, sizeof(r->removed));
	kmod_module_unref_list(deps);
	kmod_module_unref(mod);
}
