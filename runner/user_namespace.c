/* user_namespace.c - run a build step as root of a user namespace mapped as mmdebstrap's
 *
 * The child unshares its user namespace and says so through its report
 * pipe; here newuidmap and newgidmap write its maps (they are set-user-ID
 * root and check /etc/subuid and /etc/subgid themselves); a byte on a
 * second pipe lets the child become ID 0 there and run the job.
 */
#include "user_namespace.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "sysroot.h"

/* A decimal number of digits only, below 2^32; false otherwise. */
static bool parse_id(const char *s, size_t n, unsigned long *value)
{
	unsigned long v = 0;

	if (n == 0 || n > 10)
		return false;
	for (size_t k = 0; k < n; k++) {
		if (s[k] < '0' || s[k] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[k] - '0');
	}
	*value = v;
	return v <= 0xffffffffUL;
}

/* "NAME:START:COUNT": whether it names user (or id), the range in *r. */
static bool subid_line(const char *line, const char *user, unsigned long id, struct id_range *r, bool *malformed)
{
	const char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	size_t name_len = c1 ? (size_t)(c1 - line) : 0, count_len;
	unsigned long named;
	bool same;

	if (!c2)
		return false;
	same = (name_len == strlen(user) && strncmp(line, user, name_len) == 0) ||
	       (parse_id(line, name_len, &named) && named == id);
	if (!same)
		return false;
	count_len = strcspn(c2 + 1, "\n");
	*malformed = !parse_id(c1 + 1, (size_t)(c2 - c1 - 1), &r->start) || !parse_id(c2 + 1, count_len, &r->count) ||
		     r->count == 0 || r->start + r->count > 0xffffffffUL;
	return true;
}

int subid_range_read(const char *subid_file, const char *user, unsigned long id, struct id_range *r,
		     char *why, size_t why_size)
{
	char line[512];
	bool found = false, malformed = false;
	FILE *f = fopen(subid_file, "re");

	if (!f) {
		snprintf(why, why_size, "%s: %s", subid_file, strerror(errno));
		return -1;
	}
	while (!found && fgets(line, sizeof(line), f))
		found = subid_line(line, user, id, r, &malformed);
	fclose(f);
	if (!found)
		snprintf(why, why_size, "%s has no line for %s", subid_file, user);
	else if (malformed)
		snprintf(why, why_size, "%s: the line for %s is not NAME:START:COUNT", subid_file, user);
	else if (r->count < 65536)	/* a Debian tree's IDs go up to 65534 (nobody) */
		snprintf(why, why_size, "%s gives %s %lu IDs; a Debian tree needs 65536", subid_file, user, r->count);
	else
		return 0;
	return -1;
}

int user_namespace_for_caller(struct user_namespace *ns, const char *prog)
{
	const struct passwd *pw = getpwuid(getuid());
	char why[512];

	ns->uid = getuid();
	ns->gid = getgid();
	if (!pw) {
		fprintf(stderr, "%s: user ID %lu has no name (getpwuid): mmdebstrap and newuidmap find the "
			"subordinate IDs by name\n", prog, (unsigned long)ns->uid);
		return -1;
	}
	snprintf(ns->name, sizeof(ns->name), "%s", pw->pw_name);
	if (subid_range_read("/etc/subuid", ns->name, ns->uid, &ns->subuid, why, sizeof(why)) < 0 ||
	    subid_range_read("/etc/subgid", ns->name, ns->gid, &ns->subgid, why, sizeof(why)) < 0) {
		fprintf(stderr, "%s: as a normal user, the Debian tree is made in a user namespace mapped to "
			"subordinate IDs, but %s: as root, usermod --add-subuids 100000-165535 --add-subgids "
			"100000-165535 %s (a range no other user has); or run --make-debian-root as root\n",
			prog, why, ns->name);
		return -1;
	}
	return 0;
}

struct ns_start {
	const struct namespace_job *job;
	int go, go_write;	/* a byte on go once the maps are written */
};

/* In the child: unshare, report, wait for the maps, become root there. */
static int ns_child(void *arg, int report_fd)
{
	const struct ns_start *s = arg;
	unsigned char said = 0;	/* 0: unshared; else its errno */
	char byte = 0;

	close(s->go_write);	/* or a parent that gives up would leave us waiting */
	if (unshare(CLONE_NEWUSER) < 0)
		said = errno > 0 && errno < 256 ? (unsigned char)errno : 255;
	if (write(report_fd, &said, 1) != 1 || said != 0)
		return 125;
	if (read(s->go, &byte, 1) != 1 || byte != 'g')
		return 125;
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return 125;
	(void)setgroups(0, NULL);	/* the user's groups are not mapped here */
	if (s->job->fn)
		return s->job->fn(s->job->arg);
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	execv(s->job->argv[0], s->job->argv);
	fprintf(stderr, "%s: %s\n", s->job->argv[0], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}

/* Why the kernel refused a user namespace: the setting to change. */
static void say_refused(const char *prog, int err)
{
	const struct sysroot live = { NULL };
	uint64_t value;
	char setting[256] = "";

	if (err == EINVAL)	/* unshare(2): CLONE_NEWUSER in a process of more than one thread */
		snprintf(setting, sizeof(setting), "the kernel gives one only to a process of one thread, and this "
			 "runner has more: an emulator's threads (qemu-user, as when binfmt_misc runs a runner of "
			 "another architecture)");
	else if (sysroot_readf_u64(&live, &value, "/proc/sys/kernel/unprivileged_userns_clone") == 0 && value == 0)
		snprintf(setting, sizeof(setting), "kernel.unprivileged_userns_clone is 0: as root, "
			 "sysctl -w kernel.unprivileged_userns_clone=1 (and in /etc/sysctl.d/ to keep it)");
	else if (sysroot_readf_u64(&live, &value, "/proc/sys/user/max_user_namespaces") == 0 && value == 0)
		snprintf(setting, sizeof(setting), "user.max_user_namespaces is 0: as root, "
			 "sysctl -w user.max_user_namespaces=15000 (and in /etc/sysctl.d/ to keep it)");
	else if (sysroot_readf_u64(&live, &value, "/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 0 &&
		 value == 1)
		snprintf(setting, sizeof(setting), "kernel.apparmor_restrict_unprivileged_userns is 1: an AppArmor "
			 "profile allowing userns for mmdebstrap and the runner, or as root sysctl -w "
			 "kernel.apparmor_restrict_unprivileged_userns=0");
	else
		snprintf(setting, sizeof(setting), "the sysctls allow them (kernel.unprivileged_userns_clone, "
			 "user.max_user_namespaces), so a chroot or a container's seccomp filter refuses them here");
	fprintf(stderr, "%s: the kernel refused an unprivileged user namespace (unshare: %s); %s; "
		"or run --make-debian-root as root\n", prog, strerror(err), setting);
}

/* newuidmap PID 0 START COUNT COUNT UID 1 (or newgidmap): 0, or -1 after
 * showing its words. */
static int write_map(char kind, pid_t pid, const struct id_range *r, unsigned long own, const char *prog)
{
	const char *tool = kind == 'u' ? NEWUIDMAP_PATH : NEWGIDMAP_PATH;
	char pid_s[24], start[24], count[24], own_s[24];
	char *argv[] = { (char *)tool, pid_s, "0", start, count, count, own_s, "1", NULL };
	char said[1024] = "";
	struct child_output out = { said, sizeof(said) - 1, 0, false };
	const struct child_watch collect = { .on_data = child_collect, .ctx = &out };
	struct child c;

	snprintf(pid_s, sizeof(pid_s), "%ld", (long)pid);
	snprintf(start, sizeof(start), "%lu", r->start);
	snprintf(count, sizeof(count), "%lu", r->count);
	snprintf(own_s, sizeof(own_s), "%lu", own);
	if (child_start(&c, &(const struct child_spec){ .argv = argv, .in = CHILD_NULL, .out = CHILD_PIPE,
							 .err = CHILD_PIPE }) < 0) {
		fprintf(stderr, "%s: %s: %s%s\n", prog, tool, strerror(errno),
			errno == ENOENT ? ": apt-get install uidmap" : "");
		return -1;
	}
	child_watch(&c, &collect);
	child_reap(&c, &(const struct child_watch){ 0 });
	if (child_exit_code(&c) == 0)
		return 0;
	said[out.used] = '\0';
	said[strcspn(said, "\n")] = '\0';
	fprintf(stderr, "%s: %s %s 0 %s %s %s %s 1 failed (exit status %d): %s; it checks /etc/sub%cid%s\n", prog,
		tool, pid_s, start, count, count, own_s, child_exit_code(&c), said[0] ? said : "no words",
		kind, child_exit_code(&c) == 127 ? " (apt-get install uidmap)" : "");
	return -1;
}

int user_namespace_run(const struct user_namespace *ns, const struct namespace_job *job,
		       const struct child_watch *watch, const char *prog)
{
	int go[2];
	struct ns_start s = { job, -1, -1 };
	struct child c;
	unsigned char reported = 0;	/* the child's errno, 0 once unshared */
	bool mapped = false;
	ssize_t n;

	if (pipe2(go, O_CLOEXEC) < 0) {
		fprintf(stderr, "%s: a pipe for the user namespace: %s\n", prog, strerror(errno));
		return -1;
	}
	s.go = go[0];
	s.go_write = go[1];
	if (child_start(&c, &(const struct child_spec){ .fn = ns_child, .arg = &s, .report = true, .in = CHILD_NULL,
							 .out = job->log_fd >= 0 ? job->log_fd : CHILD_KEEP,
							 .err = job->log_fd >= 0 ? job->log_fd : CHILD_KEEP }) < 0) {
		fprintf(stderr, "%s: a child for the user namespace: %s\n", prog, strerror(errno));
		close(go[0]);
		close(go[1]);
		return -1;
	}
	close(go[0]);
	do
		n = read(c.fd[CHILD_REPORT], &reported, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		fprintf(stderr, "%s: the user namespace's child ended before unsharing\n", prog);
	else if (reported != 0)
		say_refused(prog, reported);
	else if (write_map('u', c.pid, &ns->subuid, ns->uid, prog) == 0 &&
		 write_map('g', c.pid, &ns->subgid, ns->gid, prog) == 0 &&
		 write(go[1], "g", 1) == 1)
		mapped = true;
	close(go[1]);	/* without its byte the child ends (125) */
	if (child_reap(&c, watch) < 0)
		return -1;
	return mapped ? child_exit_code(&c) : -1;
}
