/* remove_tree.c - see remove_tree.h */
#include "remove_tree.h"

#include <ftw.h>
#include <stdio.h>

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

int remove_tree(const char *path, bool same_fs)
{
	return nftw(path, remove_entry, 1, FTW_DEPTH | FTW_PHYS | (same_fs ? FTW_MOUNT : 0)) == 0 ? 0 : -1;
}
