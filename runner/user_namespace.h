/* user_namespace.h - a step of the image build as root of a user namespace
 *
 * As a normal user, mmdebstrap --mode=unshare makes the Debian tree in a
 * user namespace whose IDs 0.. are the user's subordinate IDs (the first
 * /etc/subuid and /etc/subgid line for the user); its files are owned by
 * those IDs outside.  The later steps (configuration, the kernel's copy,
 * mkfs.ext4 -d, removing the tree) run in a namespace mapped the same way,
 * with the user's own ID mapped after the range, so that the user's image
 * files can be written there too.  The maps are written by newuidmap and
 * newgidmap (the uidmap package), run by absolute path.
 */
#ifndef RUNNER_USER_NAMESPACE_H
#define RUNNER_USER_NAMESPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define NEWUIDMAP_PATH "/usr/bin/newuidmap"
#define NEWGIDMAP_PATH "/usr/bin/newgidmap"

struct id_range {
	unsigned long start, count;
};

struct user_namespace {
	uid_t uid;		/* the user, mapped to ID subuid.count inside */
	gid_t gid;
	char name[64];
	struct id_range subuid, subgid;
};

/* The first line of subid_file ("/etc/subuid") naming user (or its ID),
 * in *r: 0; -1 after writing why in why (no such line, a malformed one,
 * a range shorter than 65536 IDs, the file unreadable). */
int subid_range_read(const char *subid_file, const char *user, unsigned long id, struct id_range *r,
		     char *why, size_t why_size);

/* The caller's namespace description from /etc/subuid and /etc/subgid:
 * 0, or -1 after saying (prog: ...) what is missing and how to add it. */
int user_namespace_for_caller(struct user_namespace *ns, const char *prog);

/* What to run inside: argv through execv, or fn(arg) (its return value
 * is the exit status).  Standard output and error go to log_fd (-1:
 * kept). */
struct namespace_job {
	char *const *argv;
	int (*fn)(void *arg);
	void *arg;
	int log_fd;
};

struct child;
struct child_watch;

/* Starts job as root (IDs 0) of a new user namespace mapped as described
 * above, and reaps it with watch; the job's exit code (child_exit_code),
 * or -1 after saying why no namespace could be made (prog: ...; the
 * sysctl to change, newuidmap's own words). */
int user_namespace_run(const struct user_namespace *ns, const struct namespace_job *job,
		       const struct child_watch *watch, const char *prog);

#endif
