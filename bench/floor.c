/*
 * The floor every FUSE filesystem pays: the smallest libfuse high-level
 * server, one constant file (/file) with direct I/O and the same FUSE
 * configuration as rcapfs. bench/front.sh divides rcapfs's
 * open-read-close rate by this one's.
 *
 *   floor [FUSE options] MOUNTPOINT
 */
#include "config.h"

#include <errno.h>
#include <fuse.h>
#include <string.h>
#include <sys/stat.h>

/* About the length of a collection's stats file. */
static const char content[] =
	"nproc 100\nrss 104857600\nvm 209715200\ncap 0\nexcess 0\n"
	"samples 1000\nat 0\npg 0\nscans 0\nscans_complete 0\n"
	"scans_ineffective 0\nunenforced 0\nscan_time_ns 0\n"
	"rss_min 104857600\nrss_max 104857600\n"
	"last_sample_unix 1700000000\naccounting rss\nfidelity page\n";

static int floor_getattr(const char *path, struct stat *st,
			 struct fuse_file_info *fi)
{
	memset(st, 0, sizeof(*st));
	if (strcmp(path, "/") == 0) {
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
		return 0;
	}
	if (strcmp(path, "/file") != 0)
		return -ENOENT;
	st->st_mode = S_IFREG | 0444;
	st->st_nlink = 1;
	st->st_size = sizeof(content) - 1;
	return 0;
}

static int floor_open(const char *path, struct fuse_file_info *fi)
{
	if (strcmp(path, "/file") != 0)
		return -ENOENT;
	fi->direct_io = 1;
	return 0;
}

static int floor_read(const char *path, char *buf, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	size_t len = sizeof(content) - 1, n;

	if (off < 0 || (size_t)off >= len)
		return 0;
	n = len - (size_t)off;
	if (n > size)
		n = size;
	memcpy(buf, content + off, n);
	return (int)n;
}

/* rcapfs's op_init settings, so both pay the same lookups and getattrs. */
static void *floor_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	cfg->direct_io = 1;
	cfg->kernel_cache = 0;
	cfg->entry_timeout = 1.0;
	cfg->attr_timeout = 1.0;
	cfg->negative_timeout = 0;
	cfg->use_ino = 0;
	conn->max_write = 1u << 20;
	return NULL;
}

static const struct fuse_operations floor_ops = {
	.init = floor_init,
	.getattr = floor_getattr,
	.open = floor_open,
	.read = floor_read,
};

int main(int argc, char *argv[])
{
	return fuse_main(argc, argv, &floor_ops, NULL);
}
