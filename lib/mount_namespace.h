/* mount_namespace.h - this process in a mount namespace of its own
 *
 * Used where something mounts (libkmod's /proc/cmdline in place, a
 * bootstrapper's /proc and /sys in its tree) and the host must never see
 * it: the mounts end with the namespace's last process.
 */
#ifndef KVMHOST_MOUNT_NAMESPACE_H
#define KVMHOST_MOUNT_NAMESPACE_H

/* unshare(CLONE_NEWNS), then / and all under it made private (nothing
 * mounted here propagates to the host's namespace).  0, or -1 with errno:
 * EPERM when the kernel gives no new namespace (no CAP_SYS_ADMIN); EINVAL
 * when / is no mount point (a chroot), after which the process is in its
 * own namespace, but with the propagation it had. */
int mount_namespace_private(void);

#endif
