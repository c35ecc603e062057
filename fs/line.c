/* cocinfs — lines of a control file.  Writes accumulate per open file
 * until a newline; a line may come in several write() calls and a write
 * may hold several lines.  A line longer than FS_LINE_MAX is refused and
 * the rest of it, up to the next newline, is dropped (each write that only
 * carries such a rest fails too, so nothing is swallowed silently). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cocin/util.h"
#include "cocinfs.h"

static void lb_append(struct fs_linebuf *lb, const char *data, size_t len)
{
  if (lb->len + len > lb->cap) {
    size_t cap = lb->cap ? lb->cap : 256;
    while (cap < lb->len + len)
      cap *= 2;
    lb->buf = xrealloc(lb->buf, cap);
    lb->cap = cap;
  }
  memcpy(lb->buf + lb->len, data, len);
  lb->len += len;
}

static void lb_reset(struct fs_linebuf *lb)
{
  lb->len = 0;
  if (lb->cap > 4096) { /* do not keep a big buffer around per open file */
    free(lb->buf);
    lb->buf = NULL;
    lb->cap = 0;
  }
}

static int too_long(struct fs_linebuf *lb, cocin_error_t *err)
{
  lb_reset(lb);
  return cocin_fail(err, EINVAL, "line too long: at most %d bytes per command", FS_LINE_MAX);
}

int fs_line_feed(struct fs_linebuf *lb, const char *data, size_t len, fs_line_fn fn, void *fn_data,
                 cocin_error_t *err)
{
  size_t i = 0;
  if (lb->discarding) {
    const char *nl = memchr(data, '\n', len);
    if (nl == NULL)
      return cocin_fail(err, EINVAL, "line too long: discarding the rest of it");
    lb->discarding = false;
    i = (size_t)(nl - data) + 1;
    if (i == len)
      return cocin_fail(err, EINVAL, "line too long: discarded the rest of it");
  }
  while (i < len) {
    const char *nl = memchr(data + i, '\n', len - i);
    size_t n = nl ? (size_t)(nl - (data + i)) : len - i;
    if (lb->len + n > FS_LINE_MAX) {
      lb->discarding = (nl == NULL);
      return too_long(lb, err);
    }
    if (nl == NULL) {
      lb_append(lb, data + i, n);
      return 0;
    }
    int r;
    if (lb->len == 0) {
      r = fn(data + i, n, fn_data, err);
    } else {
      lb_append(lb, data + i, n);
      r = fn(lb->buf, lb->len, fn_data, err);
      lb_reset(lb);
    }
    if (r < 0)
      return -1;
    i += n + 1;
  }
  return 0;
}

char *fs_line_take(struct fs_linebuf *lb, size_t *len)
{
  if (lb->len == 0 || lb->discarding) {
    lb->discarding = false;
    lb_reset(lb);
    return NULL;
  }
  char *s = xmalloc0(lb->len + 1);
  memcpy(s, lb->buf, lb->len);
  *len = lb->len;
  lb_reset(lb);
  return s;
}

void fs_line_free(struct fs_linebuf *lb)
{
  free(lb->buf);
  memset(lb, 0, sizeof(*lb));
}
