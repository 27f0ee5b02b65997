/* qemu_args.c - scanning QEMU's command line without misreading it */
#include "qemu_args.h"

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

/* -accel [accel=]NAME[,prop=value...]: the first accelerator named. */
static enum user_accel accel_option(const char *value)
{
	if (strncmp(value, "accel=", 6) == 0)
		value += 6;
	return accel_kind(value, strcspn(value, ",:"));
}

/* -machine [type=]TYPE[,accel=A:B,...]: NONE when it names no accel. */
static enum user_accel machine_option(const char *value)
{
	const char *p = value;

	while (*p) {
		size_t len = strcspn(p, ",");

		if (len > 6 && strncmp(p, "accel=", 6) == 0)
			return accel_kind(p + 6, strcspn(p + 6, ",:"));
		p += len + (p[len] == ',');
	}
	return USER_ACCEL_NONE;
}

static void set_accel(struct qemu_choice *c, enum user_accel kind, const char *opt, const char *value)
{
	if (c->accel != USER_ACCEL_NONE || kind == USER_ACCEL_NONE)
		return;	/* the first choice is the one QEMU tries first */
	c->accel = kind;
	snprintf(c->accel_text, sizeof(c->accel_text), "%s%s%.80s", opt, value ? " " : "", value ? value : "");
}

void qemu_args_scan(int argc, char *const argv[], struct qemu_choice *c)
{
	memset(c, 0, sizeof(*c));
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i], *name, *value;

		if (arg[0] != '-' || arg[1] == '\0')
			continue;	/* a disk image given without -hda, say */
		name = arg + 1 + (arg[1] == '-');
		value = takes_value(name) && i + 1 < argc ? argv[i + 1] : NULL;
		if (takes_value(name))
			i++;	/* the value is never read as an option */

		if (strcmp(name, "enable-kvm") == 0)
			set_accel(c, USER_ACCEL_KVM, arg, NULL);
		else if (strcmp(name, "accel") == 0 && value)
			set_accel(c, accel_option(value), arg, value);
		else if ((strcmp(name, "machine") == 0 || strcmp(name, "M") == 0) && value) {
			c->machine = true;
			set_accel(c, machine_option(value), arg, value);
		} else if (strcmp(name, "cpu") == 0)
			c->cpu = true;
		else if (strcmp(name, "m") == 0)
			c->memory = true;
		else if (strcmp(name, "kernel") == 0)
			c->kernel = true;
		else if (strcmp(name, "display") == 0 || strcmp(name, "nographic") == 0)
			c->display = true;
		else if (strcmp(name, "serial") == 0)
			c->serial = true;
	}
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
