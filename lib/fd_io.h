/* fd_io.h - whole reads and writes on a descriptor, through EINTR and
 * short transfers */
#ifndef KVMHOST_FD_IO_H
#define KVMHOST_FD_IO_H

#include <stddef.h>
#include <sys/types.h>

/* Reads until size bytes or end of file: how many were read, or -1 with
 * errno. */
ssize_t fd_read_full(int fd, void *buf, size_t size);

/* Writes all size bytes: 0, or -1 with errno (EIO for a write of 0). */
int fd_write_all(int fd, const void *buf, size_t size);

#endif
