/* errno_name.h - symbolic errno names, for records and JSON */
#ifndef KVMHOST_ERRNO_NAME_H
#define KVMHOST_ERRNO_NAME_H

/* "EACCES" for EACCES; "E<number>" style text for others (static buffer). */
const char *errno_name(int error);

/* The errno for a name like "EBUSY", or 0 when unknown. */
int errno_from_name(const char *name);

#endif
