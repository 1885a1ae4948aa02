#include "config.h"

#include "tools/sample.h"

#include "tools/kv.h"
#include "tools/mount.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FILE_MAX (1 << 16) /* bytes a stats or members file may have */

/* caps/NAME/FILE whole: 0, 1 when the collection went, or -errno. */
static int collection_file(const char *mount, const char *name,
			   const char *file, char **text, size_t *len)
{
	char rel[64];
	int rc;

	snprintf(rel, sizeof(rel), "caps/%s/%s", name, file);
	rc = tool_mount_read(mount, rel, FILE_MAX, text, len);
	return rc == -ENOENT ? 1 : rc;
}

/* One collection of the mount into *s: 0, 1 when it went meanwhile, or
 * -errno. */
static int read_collection(const char *mount, const char *name,
			   struct tool_sample *s)
{
	char *text;
	size_t len;
	int rc;

	memset(s, 0, sizeof(*s));
	if (strlen(name) >= sizeof(s->name))
		return -EINVAL;
	strcpy(s->name, name);
	rc = collection_file(mount, name, "stats", &text, &len);
	if (rc)
		return rc;
	rc = tool_stats_parse(text, len, &s->st);
	free(text);
	if (rc == 0)
		rc = collection_file(mount, name, "members", &text, &len);
	if (rc)
		return rc;
	s->id = tool_report_id(name, text, len);
	free(text);
	return 0;
}

/* ctl/status and ctl/pressure into *g. Returns 0 or -errno. */
static int read_global(const char *mount, struct tool_global *g)
{
	struct tool_status st;
	char *text, *end;
	size_t len;
	int rc;

	rc = tool_mount_read(mount, "ctl/status", FILE_MAX, &text, &len);
	if (rc)
		return rc;
	rc = tool_status_parse(text, len, &st);
	free(text);
	if (rc)
		return rc;
	g->memory_utilization_pct = st.memory_utilization_pct;
	rc = tool_mount_read(mount, "ctl/pressure", 64, &text, &len);
	if (rc)
		return rc;
	errno = 0;
	g->pressure_pct = strtoull(text, &end, 10);
	if (errno || end == text || (*end && *end != '\n'))
		rc = -EINVAL;
	free(text);
	return rc;
}

int tool_sample_read(const char *mount, FILE *warn, struct tool_sample **out,
		     size_t *n, struct tool_global *g)
{
	struct tool_sample *s = NULL;
	char **names;
	size_t count, k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	rc = tool_mount_collections(mount, &names, &count);
	if (rc == 0)
		rc = read_global(mount, g);
	if (rc) {
		tool_mount_names_free(names, count);
		return rc;
	}
	s = calloc(count ? count : 1, sizeof(*s));
	if (!s)
		rc = -ENOMEM;
	for (size_t i = 0; rc == 0 && i < count; i++) {
		int got = read_collection(mount, names[i], &s[k]);

		if (got < 0)
			fprintf(warn, "rcapstat: %s/caps/%s: %s\n", mount,
				names[i], strerror(-got));
		k += got == 0;
	}
	tool_mount_names_free(names, count);
	if (rc) {
		free(s);
		return rc;
	}
	*out = s;
	*n = k;
	return 0;
}
