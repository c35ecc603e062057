/* cocinfs — control files (/ctl and /<name>/ctl).  Each complete line is
 * run at once; the write fails with the command's errno and the reply
 * (names on success, the message on failure) is read back from the same
 * open file.  Replies live in the handle, never in a global. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cocin/cleanup.h"
#include "cocin/util.h"
#include "cocinfs.h"

int fs_ctl_open(struct fs_handle *h, int flags)
{
  h->reply_base = -1;
  if (h->name == NULL)
    return 0;
  /* a record too damaged to name its id is still removed by its ctl
   * (rm -f), by name as before */
  int r = fs_handle_pin(h);
  return r == -EIO ? 0 : r;
}

void fs_reply_set(struct fs_handle *h, char *reply)
{
  free(h->data);
  h->data = reply;
  h->len = reply ? strlen(reply) : 0;
  h->reply_base = -1; /* the next read, wherever the file offset is, starts it */
}

/* The reply starts at the offset of the first read after the command, so
 * `echo ... >&3; cat <&3` works although the write moved the offset, and
 * a reader that seeks back (bash's read) or preads at 0 sees it again. */
ssize_t fs_reply_read(struct fs_handle *h, char *buf, size_t size, off_t off)
{
  if (h->reply_base < 0 || off < h->reply_base)
    h->reply_base = off;
  return fs_serve(h->data, h->len, buf, size, off - h->reply_base);
}

ssize_t fs_ctl_read(struct fs_handle *h, char *buf, size_t size, off_t off)
{
  pthread_mutex_lock(&h->lock);
  ssize_t r = fs_reply_read(h, buf, size, off);
  pthread_mutex_unlock(&h->lock);
  return r;
}

struct ctl_run {
  struct fs_handle *h;
  char *reply;
  bool ran;
};

static int ctl_line(const char *line, size_t len, void *data, cocin_error_t *err)
{
  struct ctl_run *c = data;
  struct fs_cmd cmd;
  enum fs_scope scope = c->h->name ? FS_SCOPE_CONTAINER : FS_SCOPE_TOP;
  int r = fs_cmd_parse(scope, c->h->name, line, len, &cmd, err);
  cmd.id = c->h->id;
  int slot = 0;
  if (r == 0 && cmd.verb && fs_cmd_blocks(&cmd) && (slot = fs_block_enter()) < 0)
    r = fs_block_refused(err);
  if (r == 0 && cmd.verb) {
    c->ran = true;
    r = fs_cmd_run(fs_ctx()->root, &cmd, &c->reply, err);
    if (fs_cmd_blocks(&cmd))
      fs_block_leave(slot);
    if (fs_cmd_removes(&cmd))
      for (char **n = cmd.names; *n; n++)
        fs_forget_container(*n);
  }
  fs_cmd_free(&cmd);
  return r;
}

/* The reply of this batch of lines, or of its failure. */
static int ctl_finish(struct fs_handle *h, struct ctl_run *c, int r, cocin_error_t *err)
{
  if (r < 0) {
    fs_str_append(&c->reply, "%s\n", cocin_error_msg(err));
    fs_reply_set(h, steal_ptr(c->reply));
    return fs_errno(err);
  }
  if (c->ran)
    fs_reply_set(h, c->reply ? steal_ptr(c->reply) : xstrdup("ok\n"));
  free(c->reply);
  return 0;
}

ssize_t fs_ctl_write(struct fs_handle *h, const char *buf, size_t size, off_t off)
{
  cleanup_error cocin_error_t err = NULL;
  struct ctl_run c = {h, NULL, false};
  pthread_mutex_lock(&h->lock);
  int r = fs_line_feed(&h->line, buf, size, ctl_line, &c, &err);
  r = ctl_finish(h, &c, r, &err);
  pthread_mutex_unlock(&h->lock);
  return r < 0 ? r : (ssize_t)size;
}

/* close(): a last line without its newline still runs; close() reports
 * its errno (the shell ignores it, a C program can see it). */
int fs_ctl_flush(struct fs_handle *h)
{
  cleanup_error cocin_error_t err = NULL;
  struct ctl_run c = {h, NULL, false};
  pthread_mutex_lock(&h->lock);
  size_t len = 0;
  cleanup_free char *line = fs_line_take(&h->line, &len);
  int r = line ? ctl_line(line, len, &c, &err) : 0;
  r = ctl_finish(h, &c, r, &err);
  pthread_mutex_unlock(&h->lock);
  return r;
}
