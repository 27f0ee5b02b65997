/* kvm_device.h - what kind of file /dev/kvm is, and who may open it */
#ifndef KVMHOST_KVM_DEVICE_H
#define KVMHOST_KVM_DEVICE_H

#include <stdbool.h>
#include <sys/types.h>

#include "sysroot.h"

#define KVM_DEVICE_PATH  "/dev/kvm"
#define KVM_DEVICE_MAJOR 10	/* misc */
#define KVM_DEVICE_MINOR 232

enum kvm_node_kind {
	KVM_NODE_ABSENT,	/* no such file */
	KVM_NODE_CHAR,		/* a character device (what it should be) */
	KVM_NODE_STANDIN,	/* a regular file under --sysroot: "present, not probed" */
	KVM_NODE_DANGLING,	/* a symlink to nothing */
	KVM_NODE_LOOP,		/* a symlink loop */
	KVM_NODE_WRONG_TYPE,	/* a directory, FIFO, socket, block device... */
	KVM_NODE_ERROR,		/* stat failed otherwise: see error */
};

struct kvm_node {
	enum kvm_node_kind kind;
	int error;			/* errno of stat when KVM_NODE_ERROR */
	const char *type;		/* "directory", "FIFO", ... for WRONG_TYPE */
	bool is_symlink;
	char target[256];		/* the symlink's target */
	unsigned int major, minor;	/* for a character device */
	uid_t uid;
	gid_t gid;
	mode_t mode;			/* permission bits */
	char owner[64], group[64];	/* names, or numbers */
	bool readwrite_by_mode;		/* the mode grants rw to us by owner/group/other */
	bool in_group;			/* the caller is a member of the owning group */
	char user[64];			/* the caller's name */
	uid_t euid;			/* the caller's effective user ID */
	bool recorded;			/* a stand-in for a recorded character device (DIR/dev/kvm.node): the caller is who collected it */
};

/* Looks at /dev/kvm under the root without opening it. */
void kvm_node_inspect(const struct sysroot *root, struct kvm_node *node);

/* kvm_node_inspect in two halves: stat gives the kind, IDs and mode (all
 * the probe needs); name adds the names (NSS) and a stand-in's record. */
void kvm_node_stat(const struct sysroot *root, struct kvm_node *node);
void kvm_node_name(const struct sysroot *root, struct kvm_node *node);

/* A device to open: the character device, or a snapshot's stand-in. */
static inline bool kvm_node_present(const struct kvm_node *node)
{
	return node->kind == KVM_NODE_CHAR || node->kind == KVM_NODE_STANDIN;
}

/* The same for any device node (/dev/net/tun, /dev/vhost-net, ...). */
void dev_node_inspect(const struct sysroot *root, const char *path, struct kvm_node *node);

/* "crw-rw---- root:kvm" style text for messages. */
void kvm_node_describe(const struct kvm_node *node, char *buf, size_t size);

#endif
