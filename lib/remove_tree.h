/* remove_tree.h - rm -r of a directory this run created (temporaries) */
#ifndef KVMHOST_REMOVE_TREE_H
#define KVMHOST_REMOVE_TREE_H

#include <stdbool.h>

/* Removes path and everything below it, never following a symlink; with
 * same_fs, never into another file system mounted below it (an
 * interrupted debootstrap's /proc).  Returns 0, or -1 when something
 * could not be removed. */
int remove_tree(const char *path, bool same_fs);

#endif
