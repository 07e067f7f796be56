#include <archive.h>
#include <archive_entry.h>
/* xattrs (overlayfs opaque markers) are not exported by Swift's Glibc module. */
#include <sys/xattr.h>
