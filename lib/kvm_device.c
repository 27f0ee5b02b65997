/* kvm_device.c - type, owner and permissions of /dev/kvm */
#include "kvm_device.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cli.h"

static const char *type_name(mode_t mode)
{
	if (S_ISDIR(mode))
		return "directory";
	if (S_ISFIFO(mode))
		return "FIFO";
	if (S_ISSOCK(mode))
		return "socket";
	if (S_ISBLK(mode))
		return "block device";
	if (S_ISREG(mode))
		return "regular file";
	return "special file";
}

static bool caller_in_group(gid_t gid)
{
	gid_t groups[256];
	int n;

	if (getegid() == gid)
		return true;
	n = getgroups(sizeof(groups) / sizeof(groups[0]), groups);
	for (int i = 0; i < n; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

/* getpwuid and getgrgid return static storage: copy each name at once. */
static void user_name(uid_t uid, char *buf, size_t size)
{
	const struct passwd *pw = getpwuid(uid);

	if (pw)
		snprintf(buf, size, "%s", pw->pw_name);
	else
		snprintf(buf, size, "%u", (unsigned int)uid);
}

static void names(struct kvm_node *node)
{
	const struct group *gr;

	user_name(node->uid, node->owner, sizeof(node->owner));
	user_name(geteuid(), node->user, sizeof(node->user));
	gr = getgrgid(node->gid);
	if (gr)
		snprintf(node->group, sizeof(node->group), "%s", gr->gr_name);
	else
		snprintf(node->group, sizeof(node->group), "%u", (unsigned int)node->gid);
}

/* Whether the mode grants read-write to a caller: root, the owner, a
 * member of the group, or anyone. */
static bool mode_grants_rw(mode_t mode, uid_t owner, uid_t euid, bool in_group)
{
	if (euid == 0)
		return true;
	if (euid == owner)
		return (mode & 0600) == 0600;
	if (in_group)
		return (mode & 060) == 060;
	return (mode & 06) == 06;
}

/* A recorded user or group ID, digits only (cli_parse_int): a malformed
 * one leaves the field as it was instead of reading as 0, root. */
#define RECORDED_ID_MAX (LONG_MAX < 4294967294L ? LONG_MAX : 4294967294L)

static void recorded_id(const char *text, unsigned int *id)
{
	long value;

	if (cli_parse_int(text, 0, RECORDED_ID_MAX, &value))
		*id = (unsigned int)value;
}

/* Snapshots from before the IDs were recorded name the owner, the group
 * and the collecting user only: an ID missing is derived from its name
 * (root is 0; the owner is the user when the names match), else it is one
 * that matches neither root nor the other, so that the mode's group and
 * other bits decide, never the replaying user's own IDs. */
#define ID_UNKNOWN_USER  4294967294u
#define ID_UNKNOWN_OWNER 4294967293u
#define ID_UNKNOWN_GROUP 4294967293u

static void ids_from_names(struct kvm_node *node, bool uid_seen, bool gid_seen, bool euid_seen)
{
	if (!gid_seen)
		node->gid = strcmp(node->group, "root") == 0 ? 0 : ID_UNKNOWN_GROUP;
	if (!euid_seen)
		node->euid = strcmp(node->user, "root") == 0 ? 0 : ID_UNKNOWN_USER;
	if (!uid_seen)
		node->uid = strcmp(node->owner, "root") == 0 ? 0
			    : node->user[0] && strcmp(node->owner, node->user) == 0 ? node->euid : ID_UNKNOWN_OWNER;
}

/* DIR/dev/kvm.node, written by kvm-ok --collect: the recorded device's
 * owner, group and mode (names and IDs), device numbers, and the collecting
 * user's name, effective ID and membership, as key=value lines: they, not
 * the stand-in file or whoever replays, decide the replay. */
static void read_recorded_node(const struct sysroot *root, struct kvm_node *node)
{
	char text[1024], *line, *save = NULL;
	bool uid_seen = false, gid_seen = false, euid_seen = false;

	if (sysroot_read_text(root, "/dev/kvm.node", text, sizeof(text)) < 0)
		return;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		if (!eq)
			continue;
		*eq++ = '\0';
		if (strcmp(line, "type") == 0)
			node->recorded = strcmp(eq, "char") == 0;
		else if (strcmp(line, "owner") == 0)
			snprintf(node->owner, sizeof(node->owner), "%.63s", eq);
		else if (strcmp(line, "group") == 0)
			snprintf(node->group, sizeof(node->group), "%.63s", eq);
		else if (strcmp(line, "user") == 0)
			snprintf(node->user, sizeof(node->user), "%.63s", eq);
		else if (strcmp(line, "mode") == 0)
			node->mode = (mode_t)(strtoul(eq, NULL, 8) & 07777);
		else if (strcmp(line, "in_group") == 0)
			node->in_group = strcmp(eq, "yes") == 0;
		else if (strcmp(line, "major") == 0)
			node->major = (unsigned int)strtoul(eq, NULL, 10);
		else if (strcmp(line, "minor") == 0)
			node->minor = (unsigned int)strtoul(eq, NULL, 10);
		else if (strcmp(line, "uid") == 0) {
			uid_seen = true;
			recorded_id(eq, &node->uid);
		}
		else if (strcmp(line, "gid") == 0) {
			gid_seen = true;
			recorded_id(eq, &node->gid);
		}
		else if (strcmp(line, "euid") == 0) {
			euid_seen = true;
			recorded_id(eq, &node->euid);
		}
	}
	if (node->recorded) {
		ids_from_names(node, uid_seen, gid_seen, euid_seen);
		node->readwrite_by_mode = mode_grants_rw(node->mode, node->uid, node->euid, node->in_group);
	}
}

static void dev_node_stat(const struct sysroot *root, const char *dev_path, struct kvm_node *node);

/* Whether stat found a file whose owner and group have names to look up. */
static bool has_owner(const struct kvm_node *node)
{
	return node->kind != KVM_NODE_ABSENT && node->kind != KVM_NODE_ERROR && node->kind != KVM_NODE_LOOP &&
	       node->kind != KVM_NODE_DANGLING;
}

void kvm_node_inspect(const struct sysroot *root, struct kvm_node *node)
{
	kvm_node_stat(root, node);
	kvm_node_name(root, node);
}

void kvm_node_stat(const struct sysroot *root, struct kvm_node *node)
{
	dev_node_stat(root, KVM_DEVICE_PATH, node);
}

void kvm_node_name(const struct sysroot *root, struct kvm_node *node)
{
	if (!has_owner(node))
		return;
	names(node);
	if (node->kind == KVM_NODE_STANDIN)
		read_recorded_node(root, node);
}

void dev_node_inspect(const struct sysroot *root, const char *dev_path, struct kvm_node *node)
{
	dev_node_stat(root, dev_path, node);
	if (has_owner(node))
		names(node);
}

/* Everything but the owner's, the group's and the caller's names (which
 * can take NSS modules to find). */
static void dev_node_stat(const struct sysroot *root, const char *dev_path, struct kvm_node *node)
{
	struct stat st;

	memset(node, 0, sizeof(*node));
	if (sysroot_lstat(root, dev_path, &st) < 0) {
		node->error = errno;
		node->kind = errno == ENOENT ? KVM_NODE_ABSENT : KVM_NODE_ERROR;
		return;
	}
	if (S_ISLNK(st.st_mode)) {
		node->is_symlink = true;
		if (sysroot_readlink(root, dev_path, node->target, sizeof(node->target)) < 0)
			node->target[0] = '\0';
		if (sysroot_stat(root, dev_path, &st) < 0) {
			node->error = errno;
			node->kind = errno == ELOOP ? KVM_NODE_LOOP
				   : errno == ENOENT ? KVM_NODE_DANGLING : KVM_NODE_ERROR;
			return;
		}
	}
	node->uid = st.st_uid;
	node->gid = st.st_gid;
	node->mode = st.st_mode & 07777;
	node->in_group = caller_in_group(st.st_gid);
	node->euid = geteuid();
	node->readwrite_by_mode = mode_grants_rw(st.st_mode, st.st_uid, node->euid, node->in_group);

	if (S_ISCHR(st.st_mode)) {
		node->kind = KVM_NODE_CHAR;
		node->major = major(st.st_rdev);
		node->minor = minor(st.st_rdev);
	} else if (S_ISREG(st.st_mode) && !sysroot_is_live(root)) {
		node->kind = KVM_NODE_STANDIN;
	} else {
		node->kind = KVM_NODE_WRONG_TYPE;
		node->type = type_name(st.st_mode);
	}
}

void kvm_node_describe(const struct kvm_node *node, char *buf, size_t size)
{
	char perms[10];
	static const char rwx[] = "rwxrwxrwx";

	for (int i = 0; i < 9; i++)
		perms[i] = (node->mode & (0400 >> i)) ? rwx[i] : '-';
	perms[9] = '\0';
	snprintf(buf, size, "%s, owner %s, group %s, mode %04o (%s)",
		 node->kind == KVM_NODE_CHAR || node->recorded ? "character device" : "stand-in file",
		 node->owner, node->group, (unsigned int)node->mode, perms);
}
