#define _GNU_SOURCE
#include <sched.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include "CNetlinkShim.h"

int pn_unshare_netns(void) { return unshare(CLONE_NEWNET); }

int pn_setns_net(int fd) { return setns(fd, CLONE_NEWNET); }

int pn_is_nsfs(const char *path)
{
	struct statfs s;
	if (statfs(path, &s) != 0)
		return -1;
	return s.f_type == NSFS_MAGIC;
}
