/* qemu_args.c - scanning QEMU's command line without misreading it */
#include "qemu_args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* QEMU options that take no value; every other option takes one. */
static const char *const no_value[] = {
	"enable-kvm", "nographic", "no-reboot", "no-shutdown", "S", "s", "snapshot", "nodefaults",
	"no-user-config", "daemonize", "full-screen", "no-acpi", "no-hpet", "version", "help", "h",
	"no-fd-bootchk", "win2k-hack", "only-migratable", "preconfig", "no-quit", "alt-grab",
	"ctrl-grab", "rtc-td-hack", "usb", "enable-sync-profile", "semihosting", "no-frame",
	"old-param", "singlestep", "one-insn-per-tb", "xen-attach", "no-kvm", "mem-prealloc",
	"watchdog-action-list", "nodefconfig", "curses", "portrait", "msg", "list-accel",
};

static bool takes_value(const char *name)
{
	for (size_t i = 0; i < sizeof(no_value) / sizeof(no_value[0]); i++)
		if (strcmp(name, no_value[i]) == 0)
			return false;
	return true;
}

static enum user_accel accel_kind(const char *name, size_t len)
{
	if (len == 3 && strncmp(name, "kvm", 3) == 0)
		return USER_ACCEL_KVM;
	if (len == 3 && strncmp(name, "tcg", 3) == 0)
		return USER_ACCEL_TCG;
	return USER_ACCEL_OTHER;
}

/* -accel [accel=]NAME[,prop=value...]: the accelerator it names. */
static enum user_accel accel_option(const char *value)
{
	if (strncmp(value, "accel=", 6) == 0)
		value += 6;
	return accel_kind(value, strcspn(value, ",:"));
}

/* -machine [type=]TYPE[,accel=A:B,...]: the accel= list, or NULL. */
static const char *machine_accels(const char *value)
{
	for (const char *p = value; *p; ) {
		size_t len = strcspn(p, ",");

		if (len > 6 && strncmp(p, "accel=", 6) == 0)
			return p + 6;
		p += len + (p[len] == ',');
	}
	return NULL;
}

/* -machine's type: its first element unless that is a property, or type=. */
static bool machine_type_is(const char *value, const char *type)
{
	size_t len = strlen(type);

	if (strncmp(value, "type=", 5) == 0)
		value += 5;
	return strncmp(value, type, len) == 0 && (value[len] == '\0' || value[len] == ',');
}

/* The accelerators of a list ("kvm:tcg", up to a ','), in the order QEMU
 * tries them: the first is the choice, a tcg after kvm its fallback. */
static void note_accels(struct qemu_choice *c, const char *list, const char *opt, const char *value)
{
	const char *p = list;

	for (;;) {
		size_t len = strcspn(p, ":,");
		enum user_accel kind = accel_kind(p, len);

		if (c->accel == USER_ACCEL_NONE) {
			c->accel = kind;
			snprintf(c->accel_text, sizeof(c->accel_text), "%s%s%.80s", opt, value ? " " : "",
				 value ? value : "");
		} else if (c->accel == USER_ACCEL_KVM && kind == USER_ACCEL_TCG) {
			c->accel_allows_tcg = true;
		}
		if (p[len] != ':')
			break;
		p += len + 1;
	}
}

/* "help", "?" or "...,help": QEMU lists what it knows and exits. */
static bool is_listing(const char *value)
{
	size_t n = strlen(value);

	return strcmp(value, "help") == 0 || strcmp(value, "?") == 0 || (n > 5 && strcmp(value + n - 5, ",help") == 0);
}

static void no_guest(struct qemu_choice *c, const char *arg, const char *value)
{
	if (c->no_guest)
		return;
	c->no_guest = true;
	snprintf(c->no_guest_text, sizeof(c->no_guest_text), "%.30s%s%.30s", arg, value ? " " : "", value ? value : "");
}

static bool named(const char *name, const char *a, const char *b)
{
	return strcmp(name, a) == 0 || (b && strcmp(name, b) == 0);
}

/* One argument of QEMU's and, for an option, its value. */
struct qemu_token {
	const char *arg;	/* as given: "-accel", "--m", "disk.img" */
	const char *name;	/* after "-" or "--"; NULL: not an option (a disk image without -hda, say) */
	const char *value;	/* the next argument when the option takes one (never read as an option) */
};

/* The token at argv[i]; the index of the one after it. */
static int next_token(int argc, char *const argv[], int i, struct qemu_token *t)
{
	t->arg = argv[i];
	t->name = t->value = NULL;
	if (t->arg[0] != '-' || t->arg[1] == '\0')
		return i + 1;
	t->name = t->arg + 1 + (t->arg[1] == '-');
	if (!takes_value(t->name))
		return i + 1;
	t->value = i + 1 < argc ? argv[i + 1] : NULL;
	return i + 2;
}

void qemu_args_scan(int argc, char *const argv[], struct qemu_choice *c)
{
	memset(c, 0, sizeof(*c));
	for (int i = 0; i < argc;) {
		struct qemu_token t;
		const char *arg, *name, *value;

		i = next_token(argc, argv, i, &t);
		if (!t.name)
			continue;
		arg = t.arg;
		name = t.name;
		value = t.value;

		if (value && is_listing(value) && (named(name, "machine", "M") || named(name, "cpu", NULL) ||
						   named(name, "device", NULL) || named(name, "accel", NULL)))
			no_guest(c, arg, value);
		if (named(name, "version", NULL) || named(name, "help", "h"))
			no_guest(c, arg, NULL);
		else if (named(name, "enable-kvm", NULL))
			note_accels(c, "kvm", arg, NULL);
		else if (named(name, "no-kvm", NULL))
			c->no_kvm = true;
		else if (named(name, "accel", NULL) && value)	/* [accel=]NAME[,prop=...] */
			note_accels(c, value + (strncmp(value, "accel=", 6) == 0 ? 6 : 0), arg, value);
		else if (named(name, "machine", "M") && value) {
			const char *list;

			c->machine = true;
			if (machine_type_is(value, "none"))
				no_guest(c, arg, value);
			if ((list = machine_accels(value)) != NULL)
				note_accels(c, list, arg, value);
		} else if (named(name, "cpu", NULL)) {
			c->cpu = true;
			c->cpu_host = value && (strcmp(value, "host") == 0 || strncmp(value, "host,", 5) == 0);
		} else if (named(name, "m", NULL))
			c->memory = true;
		else if (named(name, "kernel", NULL))
			c->kernel = true;
		else if (named(name, "display", "nographic"))
			c->display = true;
		else if (named(name, "serial", NULL))
			c->serial = true;
	}
}

/* -machine's value with its accel= list made "tcg", into b (a copy). */
static int add_machine_tcg(struct argv_builder *b, const char *value)
{
	size_t size = strlen(value) + 8, used = 0;
	char *out = malloc(size);
	int rc;

	if (!out)
		return -1;
	for (const char *p = value; *p; ) {
		size_t len = strcspn(p, ",");

		if (len > 6 && strncmp(p, "accel=", 6) == 0)
			used += (size_t)snprintf(out + used, size - used, "%saccel=tcg", used ? "," : "");
		else
			used += (size_t)snprintf(out + used, size - used, "%s%.*s", used ? "," : "", (int)len, p);
		p += len + (p[len] == ',');
	}
	out[used] = '\0';
	rc = argv_add_copy(b, out);
	free(out);
	return rc;
}

int qemu_args_add(struct argv_builder *b, int argc, char *const argv[], bool tcg_only)
{
	for (int i = 0; i < argc;) {
		struct qemu_token t;

		i = next_token(argc, argv, i, &t);
		if (!t.name) {
			if (argv_add(b, t.arg) < 0)
				return -1;
			continue;
		}
		if (named(t.name, "no-kvm", NULL))
			continue;
		if (tcg_only && named(t.name, "enable-kvm", NULL))
			continue;
		if (tcg_only && t.value && named(t.name, "accel", NULL) && accel_option(t.value) != USER_ACCEL_TCG)
			continue;
		if (tcg_only && t.value && named(t.name, "machine", "M") && machine_accels(t.value)) {
			if (argv_add(b, t.arg) < 0 || add_machine_tcg(b, t.value) < 0)
				return -1;
			continue;
		}
		if (argv_add(b, t.arg) < 0 || (t.value && argv_add(b, t.value) < 0))
			return -1;
	}
	return 0;
}

int argv_add(struct argv_builder *b, const char *arg)
{
	if (b->argc + 2 > b->capacity) {
		int cap = b->capacity ? b->capacity * 2 : 32;
		char **grown = realloc(b->argv, (size_t)cap * sizeof(*grown));

		if (!grown)
			return -1;
		b->argv = grown;
		b->capacity = cap;
	}
	b->argv[b->argc++] = (char *)arg;
	b->argv[b->argc] = NULL;
	return 0;
}

int argv_add_copy(struct argv_builder *b, const char *arg)
{
	char *copy;

	if (b->nowned == (int)(sizeof(b->owned) / sizeof(b->owned[0])) || !(copy = strdup(arg)))
		return -1;
	if (argv_add(b, copy) < 0) {
		free(copy);
		return -1;
	}
	b->owned[b->nowned++] = copy;
	return 0;
}

void argv_free(struct argv_builder *b)
{
	for (int i = 0; i < b->nowned; i++)
		free(b->owned[i]);
	free(b->argv);
	memset(b, 0, sizeof(*b));
}

static bool shell_safe(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=,.:/+@%", *s))
			return false;
	return true;
}

void argv_print_quoted(char *const argv[], FILE *out)
{
	for (int i = 0; argv[i]; i++) {
		const char *s = argv[i];

		if (i)
			fputc(' ', out);
		if (shell_safe(s)) {
			fputs(s, out);
			continue;
		}
		fputc('\'', out);
		for (; *s; s++) {
			if (*s == '\'')
				fputs("'\\''", out);
			else
				fputc(*s, out);
		}
		fputc('\'', out);
	}
	fputc('\n', out);
}
