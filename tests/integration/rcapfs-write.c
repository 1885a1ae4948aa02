/*
 * rcapfs-write FILE VALUE: open FILE O_WRONLY|O_TRUNC, write VALUE in one
 * write(2) (with \n \t \\ and \xHH escapes decoded), and print "OK" or the
 * errno name of the first failing call. VALUE "@PATH" writes the bytes of
 * PATH instead (for values larger than an argument may be). Tests use it
 * to check the exact error a control file gives.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *errno_name(int e)
{
	switch (e) {
	case EINVAL:
		return "EINVAL";
	case ERANGE:
		return "ERANGE";
	case EACCES:
		return "EACCES";
	case EPERM:
		return "EPERM";
	case ENOENT:
		return "ENOENT";
	case ENOSPC:
		return "ENOSPC";
	case EIO:
		return "EIO";
	case EISDIR:
		return "EISDIR";
	default:
		return strerror(e);
	}
}

static size_t unescape(const char *s, char *out)
{
	size_t n = 0;

	while (*s) {
		if (*s != '\\' || !s[1]) {
			out[n++] = *s++;
			continue;
		}
		s++;
		if (*s == 'n') {
			out[n++] = '\n';
			s++;
		} else if (*s == 't') {
			out[n++] = '\t';
			s++;
		} else if (*s == 'x' && s[1] && s[2]) {
			char hex[3] = {s[1], s[2], 0};

			out[n++] = (char)strtol(hex, NULL, 16);
			s += 3;
		} else {
			out[n++] = *s++;
		}
	}
	return n;
}

/* Read a whole file into a malloc'd buffer; NULL on error. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1))) {
		*len = fread(buf, 1, (size_t)n, f);
		if (*len != (size_t)n) {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

int main(int argc, char *argv[])
{
	const char *mode = getenv("RCAPFS_WRITE_APPEND");
	char *buf;
	size_t len;
	ssize_t w;
	int fd, flags = O_WRONLY;

	if (argc != 3) {
		fprintf(stderr, "usage: rcapfs-write FILE VALUE\n");
		return 2;
	}
	flags |= mode && *mode == '1' ? O_APPEND : O_TRUNC;
	if (argv[2][0] == '@') {
		buf = slurp(argv[2] + 1, &len);
	} else {
		buf = malloc(strlen(argv[2]) + 1);
		if (buf)
			len = unescape(argv[2], buf);
	}
	if (!buf) {
		perror("rcapfs-write");
		return 2;
	}
	fd = open(argv[1], flags);
	if (fd < 0) {
		printf("%s\n", errno_name(errno));
		free(buf);
		return 1;
	}
	w = write(fd, buf, len);
	if (w < 0)
		printf("%s\n", errno_name(errno));
	else if ((size_t)w != len)
		printf("SHORT\n");
	else
		printf("OK\n");
	close(fd);
	free(buf);
	return w < 0 ? 1 : 0;
}
