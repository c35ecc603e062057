/* cocinfs — the files of a container directory: one static table
 * {name, mode, open, read, write, ...}.  Generated files (config.json,
 * status, stats) are snapshot at open into the handle and served from it
 * with direct I/O; container.log is the real file, read with pread() and
 * cached by the kernel. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cocin/cgroup.h"
#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/state.h"
#include "cocin/util.h"
#include "cocinfs.h"

ssize_t fs_serve(const char *data, size_t len, char *buf, size_t size, off_t off)
{
  if (off < 0 || (size_t)off >= len)
    return 0;
  size_t n = len - (size_t)off;
  if (n > size)
    n = size;
  memcpy(buf, data + off, n);
  return (ssize_t)n;
}

static int load(const char *name, cJSON **cfg)
{
  cleanup_error cocin_error_t err = NULL;
  if (cocin_state_load(fs_ctx()->root, name, cfg, &err) < 0)
    return fs_errno(&err);
  return 0;
}

int fs_handle_pin(struct fs_handle *h)
{
  cJSON *cfg = NULL;
  int r = load(h->name, &cfg);
  if (r == 0) {
    const char *id = cj_str(cfg, "id");
    h->id = id ? xstrdup(id) : NULL;
  }
  cJSON_Delete(cfg);
  return r;
}

static ssize_t snapshot_read(struct fs_handle *h, char *buf, size_t size, off_t off)
{
  return fs_serve(h->data, h->len, buf, size, off);
}

/* ---- config.json: the state store's JSON, fresh at every open ----------- */
static int config_open(struct fs_handle *h, int flags)
{
  cJSON *cfg = NULL;
  int r = load(h->name, &cfg); /* fixes a stale "running" first */
  if (r < 0)
    return r;
  cJSON_Delete(cfg);
  cleanup_error cocin_error_t err = NULL;
  cleanup_free char *path = cocin_container_file(fs_ctx()->root, h->name, "config.json");
  if (read_all_file(path, &h->data, &h->len, &err) < 0)
    return fs_errno(&err);
  return 0;
}

static int config_stat(const char *name, const struct stat *cst, struct stat *st)
{
  st->st_size = cst->st_size;
  st->st_mtim = st->st_ctim = cst->st_mtim;
  return 0;
}

/* ---- status: one line, the state first -------------------------------- */
static int status_text(const char *name, char **out)
{
  cJSON *cfg = NULL;
  int r = load(name, &cfg);
  if (r < 0)
    return r;
  *out = cocin_status_line(cfg);
  cJSON_Delete(cfg);
  return 0;
}

static int status_open(struct fs_handle *h, int flags)
{
  int r = status_text(h->name, &h->data);
  if (r == 0)
    h->len = strlen(h->data);
  return r;
}

static int status_stat(const char *name, const struct stat *cst, struct stat *st)
{
  cleanup_free char *text = NULL;
  int r = status_text(name, &text);
  if (r < 0)
    return r;
  st->st_size = (off_t)strlen(text);
  st->st_mtim = st->st_ctim = cst->st_mtim;
  return 0;
}

/* ---- stats: the cgroup's figures ---------------------------------------- */
static int stats_open(struct fs_handle *h, int flags)
{
  cJSON *cfg = NULL;
  int r = load(h->name, &cfg);
  if (r < 0)
    return r;
  cleanup_error cocin_error_t err = NULL;
  struct cocin_cgroup *cg = NULL;
  const cJSON *j = cJSON_GetObjectItemCaseSensitive(cfg, "cgroup");
  if (j && !cJSON_IsNull(j) && cocin_cgroup_from_json(j, &cg, &err) < 0) {
    cJSON_Delete(cfg);
    return fs_errno(&err);
  }
  cJSON_Delete(cfg);
  if (cg == NULL) { /* a container without a cgroup has no figures */
    h->data = xstrdup("");
    return 0;
  }
  struct cocin_cgroup_stats st;
  r = cocin_cgroup_stats(cg, &st, &err);
  cocin_cgroup_free(cg);
  if (r < 0)
    return fs_errno(&err);
  h->data = cocin_cgroup_stats_format(&st);
  h->len = strlen(h->data);
  return 0;
}

/* top: the container's processes (cocin top); a container that is not
 * running has none, and reads as the header alone. */
static int top_open(struct fs_handle *h, int flags)
{
  cleanup_error cocin_error_t err = NULL;
  char *text = NULL;
  if (cocin_top(fs_ctx()->root, h->name, &text, &err) < 0) {
    if (cocin_error_status(&err) != ESRCH)
      return fs_errno(&err);
    text = xstrdup(COCIN_TOP_HEADER);
  }
  h->data = text;
  h->len = strlen(text);
  return 0;
}

/* diff: what the container changed in its filesystem (cocin diff) */
static int diff_open(struct fs_handle *h, int flags)
{
  cleanup_error cocin_error_t err = NULL;
  if (cocin_diff(fs_ctx()->root, h->name, &h->data, &err) < 0)
    return fs_errno(&err);
  h->len = strlen(h->data);
  return 0;
}

/* ---- container.log: the real file --------------------------------------- */
static int log_open(struct fs_handle *h, int flags)
{
  cleanup_free char *path = cocin_container_file(fs_ctx()->root, h->name, "container.log");
  h->fd = open(path, O_RDONLY | O_CLOEXEC);
  if (h->fd < 0 && errno != ENOENT) /* no log yet (foreground): reads as empty */
    return -errno;
  return 0;
}

static ssize_t log_read(struct fs_handle *h, char *buf, size_t size, off_t off)
{
  if (h->fd < 0)
    return 0;
  ssize_t n = pread(h->fd, buf, size, off);
  return n < 0 ? -errno : n;
}

static void log_release(struct fs_handle *h)
{
  if (h->fd >= 0)
    close(h->fd);
  h->fd = -1;
}

static int log_stat(const char *name, const struct stat *cst, struct stat *st)
{
  cleanup_free char *path = cocin_container_file(fs_ctx()->root, name, "container.log");
  struct stat ls;
  if (stat(path, &ls) == 0) {
    st->st_size = ls.st_size;
    st->st_mtim = st->st_ctim = ls.st_mtim;
  }
  return 0;
}

/* ---- wait: blocks until the container exited, then "<code>\n" ----------- */
static int wait_open(struct fs_handle *h, int flags)
{
  return fs_handle_pin(h);
}

/* The wait runs outside the handle's lock: readers of one fd side by
 * side each wait in a slot of their own (a thread asleep on the lock would
 * hold a FUSE thread without one, deaf to interrupts, and enough of them
 * would take every thread of the daemon); the first to finish records
 * the code. */
static ssize_t wait_read(struct fs_handle *h, char *buf, size_t size, off_t off)
{
  pthread_mutex_lock(&h->lock);
  bool have = h->have_data;
  pthread_mutex_unlock(&h->lock);
  if (!have) {
    cleanup_error cocin_error_t err = NULL;
    int slot = fs_block_enter();
    if (slot < 0)
      return slot;
    int code = cocin_wait(fs_ctx()->root, h->name, h->id, fs_interrupted, &err);
    fs_block_leave(slot);
    if (code < 0)
      return fs_errno(&err);
    pthread_mutex_lock(&h->lock);
    if (!h->have_data) {
      h->data = xasprintf("%d\n", code);
      h->len = strlen(h->data);
      h->have_data = true;
    }
    pthread_mutex_unlock(&h->lock);
  }
  pthread_mutex_lock(&h->lock);
  ssize_t r = fs_serve(h->data, h->len, buf, size, off);
  pthread_mutex_unlock(&h->lock);
  return r;
}

/* ---- the table ------------------------------------------------------------ */
const struct fs_file fs_files[] = {
    {"config.json", FS_KIND_CONFIG, 0444, true, config_open, snapshot_read, NULL, NULL, NULL,
     config_stat},
    {"status", FS_KIND_STATUS, 0444, true, status_open, snapshot_read, NULL, NULL, NULL,
     status_stat},
    {"container.log", FS_KIND_LOG, 0444, false, log_open, log_read, NULL, NULL, log_release,
     log_stat},
    {"ctl", FS_KIND_CTL, 0600, true, fs_ctl_open, fs_ctl_read, fs_ctl_write, fs_ctl_flush, NULL,
     NULL},
    {"exec", FS_KIND_EXEC, 0600, true, fs_exec_open, fs_exec_read, fs_exec_write, fs_exec_flush,
     fs_exec_release, NULL},
    {"wait", FS_KIND_WAIT, 0444, true, wait_open, wait_read, NULL, NULL, NULL, NULL},
    {"stats", FS_KIND_STATS, 0444, true, stats_open, snapshot_read, NULL, NULL, NULL, NULL},
    {"top", FS_KIND_PROCS, 0444, true, top_open, snapshot_read, NULL, NULL, NULL, NULL},
    {"diff", FS_KIND_DIFF, 0444, true, diff_open, snapshot_read, NULL, NULL, NULL, NULL},
    {NULL, 0, 0, false, NULL, NULL, NULL, NULL, NULL, NULL},
};

const struct fs_file fs_top_ctl = {"ctl",        FS_KIND_TOP_CTL, 0600, true, fs_ctl_open,
                                   fs_ctl_read,  fs_ctl_write,    fs_ctl_flush, NULL, NULL};

const struct fs_file *fs_file_find(const char *name)
{
  for (const struct fs_file *f = fs_files; f->name; f++)
    if (!strcmp(f->name, name))
      return f;
  return NULL;
}
