/* module_deps.c - see module_deps.h */
#include "module_deps.h"

#include <libkmod.h>
#include <stdio.h>
#include <string.h>

enum walk_state { UNSEEN, ON_PATH, DONE };

struct dep_walk {
	char name[MODULE_DEPS_MAX][64];
	enum walk_state state[MODULE_DEPS_MAX];
	int count;
	int path[MODULE_DEPS_MAX];	/* the modules from the start to the one being walked */
	int depth;
};

/* The slot of name, taken now if new; -1 past the bound. */
static int slot_of(struct dep_walk *w, const char *name)
{
	for (int i = 0; i < w->count; i++)
		if (strcmp(w->name[i], name) == 0)
			return i;
	if (w->count == MODULE_DEPS_MAX)
		return -1;
	snprintf(w->name[w->count], sizeof(w->name[0]), "%s", name);
	w->state[w->count] = UNSEEN;
	return w->count++;
}

/* "a -> b -> a": the path from where slot first appears, back to it. */
static void describe_cycle(const struct dep_walk *w, int slot, char *out, size_t size)
{
	size_t used = 0;
	int from = 0;

	while (from < w->depth && w->path[from] != slot)
		from++;
	out[0] = '\0';
	for (int i = from; i < w->depth && used < size; i++)
		used += (size_t)snprintf(out + used, size - used, "%s -> ", w->name[w->path[i]]);
	if (used < size)
		snprintf(out + used, size - used, "%s", w->name[slot]);
}

static int walk(struct dep_walk *w, struct kmod_module *mod, char *out, size_t size)
{
	struct kmod_list *deps, *item;
	int slot = slot_of(w, kmod_module_get_name(mod));
	int found = 0;

	if (slot < 0 || w->state[slot] == DONE)
		return 0;
	if (w->state[slot] == ON_PATH) {
		describe_cycle(w, slot, out, size);
		return 1;
	}
	w->state[slot] = ON_PATH;
	w->path[w->depth++] = slot;
	deps = kmod_module_get_dependencies(mod);
	kmod_list_foreach(item, deps) {
		struct kmod_module *dep = kmod_module_get_module(item);

		found = walk(w, dep, out, size);
		kmod_module_unref(dep);
		if (found)
			break;
	}
	kmod_module_unref_list(deps);
	w->depth--;
	w->state[slot] = DONE;
	return found;
}

int module_deps_cycle(struct kmod_module *mod, char *out, size_t size)
{
	struct dep_walk w = { .count = 0, .depth = 0 };

	out[0] = '\0';
	return walk(&w, mod, out, size);
}
