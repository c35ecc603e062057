/* cocinfs — the tree: paths, attributes, listings, rmdir, and the
 * fuse_operations table.
 *
 *   /ctl                 0600   commands: run stop kill rm
 *   /<name>/             0555   one per container (ls -l: its creation time)
 *   /<name>/<file>              the table in files.c
 *
 * Nothing is cached here: a container exists while its config.json does. */
#include <dirent.h>
#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <fuse.h>
#include <fuse_lowlevel.h>

#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/state.h"
#include "cocin/util.h"
#include "cocinfs.h"

struct fs_ctx *fs_ctx(void)
{
  return fuse_get_context()->private_data;
}

void fs_forget_container(const char *name)
{
  struct fuse_context *c = fuse_get_context();
  if (c && c->fuse)
    fuse_lowlevel_notify_inval_entry(fuse_get_session(c->fuse), FUSE_ROOT_ID, name,
                                     strlen(name));
}

bool fs_interrupted(void)
{
  return fuse_interrupted() != 0;
}

/* The loop serves with at most FS_MAX_THREADS threads (main.c), and a
 * read that blocks (wait, exec output) or a stop waiting out its timeout
 * holds one.  Only FS_MAX_BLOCKING may block at once, so the rest of the
 * tree, and the interrupts that free the blocked ones, are always served;
 * under allow_other, users other than root may hold only half of them, so
 * that they cannot keep root's exec and wait out. */
static atomic_int blocking, blocking_users;

static bool take(atomic_int *count, int max)
{
  int n = atomic_load(count);
  do {
    if (n >= max)
      return false;
  } while (!atomic_compare_exchange_weak(count, &n, n + 1));
  return true;
}

int fs_block_enter(void)
{
  struct fuse_context *c = fuse_get_context();
  bool user = c && c->uid != 0;
  if (user && !take(&blocking_users, FS_MAX_BLOCKING / 2))
    return -EAGAIN;
  if (!take(&blocking, FS_MAX_BLOCKING)) {
    if (user)
      atomic_fetch_sub(&blocking_users, 1);
    return -EAGAIN;
  }
  return user ? 1 : 0;
}

int fs_block_refused(cocin_error_t *err)
{
  return cocin_fail(err, EAGAIN, "%d commands and reads wait in cocinfs already: try again",
                    FS_MAX_BLOCKING);
}

void fs_block_leave(int slot)
{
  atomic_fetch_sub(&blocking, 1);
  if (slot == 1)
    atomic_fetch_sub(&blocking_users, 1);
}

/* Only errnos whose meaning the README documents reach the kernel (an
 * ENOSYS from flush, say, would make it stop sending flushes for good). */
int fs_errno(const cocin_error_t *err)
{
  static const int allowed[] = {EINVAL, ENOENT, EEXIST, EBUSY, EPERM, ESRCH,
                                EACCES, EINTR,  EAGAIN, ENOTDIR, EISDIR, ENOTSUP, EALREADY};
  int st = cocin_error_status(err);
  for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
    if (st == allowed[i])
      return -st;
  return -EIO;
}

enum fs_path_type { P_ROOT, P_TOP_CTL, P_DIR, P_FILE };

struct fs_path {
  enum fs_path_type type;
  char name[129];
  const struct fs_file *file;
};

/* "/", "/ctl", "/<name>", "/<name>/<file>"; anything else is ENOENT. */
static int path_parse(const char *path, struct fs_path *p)
{
  memset(p, 0, sizeof(*p));
  if (!strcmp(path, "/")) {
    p->type = P_ROOT;
    return 0;
  }
  if (!strcmp(path, "/ctl")) {
    p->type = P_TOP_CTL;
    p->file = &fs_top_ctl;
    return 0;
  }
  const char *name = path + 1, *slash = strchr(name, '/');
  size_t n = slash ? (size_t)(slash - name) : strlen(name);
  if (n == 0 || n >= sizeof(p->name))
    return -ENOENT;
  memcpy(p->name, name, n);
  if (cocin_name_check(p->name, NULL) < 0)
    return -ENOENT;
  if (slash == NULL) {
    p->type = P_DIR;
    return 0;
  }
  p->file = fs_file_find(slash + 1);
  if (p->file == NULL)
    return -ENOENT;
  p->type = P_FILE;
  return 0;
}

/* stat config.json: the container exists while it does. */
static int container_stat(int dfd, const char *name, struct stat *cst)
{
  char rel[PATH_MAX];
  snprintf(rel, sizeof(rel), "%s/config.json", name);
  return fstatat(dfd, rel, cst, 0) < 0 ? -errno : 0;
}

/* The creation time: the birth time of the container's directory (made
 * once by run, like createTime), without parsing JSON; createTime when the
 * filesystem has no birth times. */
static struct timespec container_ctime(int dfd, const char *name, const struct stat *cst)
{
  struct statx sx;
  if (statx(dfd, name, 0, STATX_BTIME, &sx) == 0 && (sx.stx_mask & STATX_BTIME))
    return (struct timespec){sx.stx_btime.tv_sec, sx.stx_btime.tv_nsec};
  cJSON *cfg = NULL;
  int64_t t = -1;
  if (cocin_state_load(fs_ctx()->root, name, &cfg, NULL) == 0) {
    t = cocin_time_parse(cj_str(cfg, "createTime"));
    cJSON_Delete(cfg);
  }
  return t >= 0 ? (struct timespec){(time_t)t, 0} : cst->st_mtim;
}

static int containers_dir(void)
{
  cleanup_free char *dir = xasprintf("%s/containers", fs_ctx()->root);
  return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static void base_stat(struct stat *st, mode_t mode)
{
  memset(st, 0, sizeof(*st));
  st->st_mode = mode;
  st->st_nlink = S_ISDIR(mode) ? 2 : 1;
  st->st_uid = fs_ctx()->uid;
  st->st_gid = fs_ctx()->gid;
  st->st_blksize = 4096;
}

static int dir_stat(int dfd, const char *name, struct stat *st)
{
  struct stat cst;
  int r = container_stat(dfd, name, &cst);
  if (r < 0)
    return r;
  base_stat(st, S_IFDIR | 0555);
  st->st_atim = st->st_mtim = st->st_ctim = container_ctime(dfd, name, &cst);
  return 0;
}

/* The same for a listing, with one statx: the directory's birth time
 * (next_container found its config.json). */
static int dir_attrs(int dfd, const char *name, struct stat *st)
{
  struct statx sx;
  if (statx(dfd, name, AT_SYMLINK_NOFOLLOW, STATX_BTIME | STATX_MTIME, &sx) < 0)
    return -errno;
  if (!(sx.stx_mask & STATX_BTIME))
    return dir_stat(dfd, name, st);
  base_stat(st, S_IFDIR | 0555);
  st->st_mtim = (struct timespec){sx.stx_btime.tv_sec, sx.stx_btime.tv_nsec};
  st->st_atim = st->st_ctim = st->st_mtim;
  return 0;
}

/* The target of container name's log link, or NULL under --allow-other,
 * where the daemon serves the log.  A --rm container run in the foreground
 * has no log (nothing keeps one): its link is to /dev/null, so
 * reads are empty and the name is a link for every container alike (an
 * open file would go bad if its type changed when a name is reused). */
static char *log_link(int dfd, const char *name)
{
  if (!fs_ctx()->log_links)
    return NULL;
  char rel[PATH_MAX];
  snprintf(rel, sizeof(rel), "%s/container.log", name);
  struct stat ls;
  if (fstatat(dfd, rel, &ls, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(ls.st_mode))
    return xstrdup("/dev/null");
  return cocin_container_file(fs_ctx()->root, name, "container.log");
}

static int file_stat(int dfd, const char *name, const struct fs_file *f, struct stat *st)
{
  struct stat cst;
  int r = container_stat(dfd, name, &cst);
  cleanup_free char *link = NULL;
  if (r == 0 && f->kind == FS_KIND_LOG && (link = log_link(dfd, name)) != NULL) {
    base_stat(st, S_IFLNK | 0777);
    st->st_size = (off_t)strlen(link);
    st->st_atim = st->st_mtim = st->st_ctim = container_ctime(dfd, name, &cst);
    return 0;
  }
  if (r == -ENOENT && f->write) {
    /* `rm` written to its own ctl (or exec): the open file lives on, and
     * fstat (which sends no handle) must work for the reply to be read.
     * Lookups still fail: the directory itself is gone. */
    base_stat(st, S_IFREG | f->mode);
    return 0;
  }
  if (r < 0)
    return r;
  base_stat(st, S_IFREG | f->mode);
  st->st_atim = st->st_mtim = st->st_ctim = container_ctime(dfd, name, &cst);
  if (f->stat && (r = f->stat(name, &cst, st)) < 0)
    return r;
  st->st_blocks = (st->st_size + 511) / 512;
  return 0;
}

/* nullpath_ok: operations on an open file get no path, the handle says
 * which file it is. */
static int handle_path(struct fuse_file_info *fi, char *buf, size_t size, const char **path)
{
  if (*path)
    return 0;
  if (fi == NULL)
    return -ENOENT;
  const struct fs_handle *h = (const struct fs_handle *)(uintptr_t)fi->fh;
  if (h->name)
    snprintf(buf, size, "/%s/%s", h->name, h->file->name);
  else
    snprintf(buf, size, "/%s", h->file->name);
  *path = buf;
  return 0;
}

static int fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
  struct fs_path p;
  char pbuf[PATH_MAX];
  int r = handle_path(fi, pbuf, sizeof(pbuf), &path);
  if (r < 0 || (r = path_parse(path, &p)) < 0)
    return r;
  if (p.type == P_ROOT || p.type == P_TOP_CTL) {
    struct stat ds;
    cleanup_free char *dir = xasprintf("%s/containers", fs_ctx()->root);
    if (stat(dir, &ds) < 0 && stat(fs_ctx()->root, &ds) < 0)
      memset(&ds, 0, sizeof(ds));
    base_stat(st, p.type == P_ROOT ? S_IFDIR | 0755 : S_IFREG | p.file->mode);
    if (p.type == P_ROOT)
      st->st_nlink = 1; /* "unknown": find must not count subdirectories */
    st->st_atim = st->st_mtim = st->st_ctim = ds.st_mtim;
    return 0;
  }
  cleanup_close int dfd = containers_dir();
  if (dfd < 0)
    return -ENOENT;
  if (p.type == P_DIR)
    return dir_stat(dfd, p.name, st);
  r = file_stat(dfd, p.name, p.file, st);
  struct fs_handle *h = fi ? (struct fs_handle *)(uintptr_t)fi->fh : NULL;
  /* fstat of an open log: the size of the file being read */
  struct stat ls;
  if (r == 0 && h && h->file->kind == FS_KIND_LOG && h->fd >= 0 && fstat(h->fd, &ls) == 0) {
    st->st_size = ls.st_size;
    st->st_blocks = (st->st_size + 511) / 512;
    st->st_mtim = st->st_ctim = ls.st_mtim;
  }
  return r;
}

static int fs_readlink(const char *path, char *buf, size_t size)
{
  struct fs_path p;
  int r = path_parse(path, &p);
  if (r < 0)
    return r;
  if (p.type != P_FILE || p.file->kind != FS_KIND_LOG)
    return -EINVAL;
  cleanup_close int dfd = containers_dir();
  struct stat cst;
  if (dfd < 0 || container_stat(dfd, p.name, &cst) < 0)
    return -ENOENT;
  cleanup_free char *link = log_link(dfd, p.name);
  if (link == NULL)
    return -EINVAL; /* served as a regular file */
  if (size == 0)
    return -EINVAL;
  snprintf(buf, size, "%s", link); /* libfuse: NUL-terminated, cut to fit */
  return 0;
}

/* An open directory.  Listings are served by offset (entry index + 1), so
 * libfuse passes each entry's attributes on to the kernel (readdirplus)
 * and `ls -l` needs no lookup per container. */
struct fs_dir {
  char *name; /* container, NULL for the root */
  DIR *d;     /* the root: ROOT/containers */
  off_t pos;  /* index of the next entry d gives */
};

#define ROOT_FIXED 3 /* ".", "..", "ctl" */

/* Directories seen with their config.json, by name and inode number: a
 * container keeps both for life, so a listing looks for config.json only
 * in a directory it has not seen with one (a new one; or a name run again,
 * unless its new directory got the old inode number back: then it may be
 * listed a few milliseconds before its record exists).  Emptied when full. */
#define SEEN_SLOTS 16384
static uint64_t seen[SEEN_SLOTS];
static size_t seen_count;
static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t seen_key(const struct dirent *de)
{
  uint64_t h = cocin_fnv1a(COCIN_FNV_INIT, de->d_name, strlen(de->d_name));
  h = cocin_fnv1a(h, &de->d_ino, sizeof(de->d_ino));
  return h ? h : 1; /* 0: an empty slot */
}

/* Is key in the table; add it if add. */
static bool seen_find(uint64_t key, bool add)
{
  pthread_mutex_lock(&seen_lock);
  if (add && seen_count >= SEEN_SLOTS * 3 / 4) {
    memset(seen, 0, sizeof(seen));
    seen_count = 0;
  }
  size_t i = key % SEEN_SLOTS;
  while (seen[i] && seen[i] != key)
    i = (i + 1) % SEEN_SLOTS;
  bool found = seen[i] == key;
  if (!found && add) {
    seen[i] = key;
    seen_count++;
  }
  pthread_mutex_unlock(&seen_lock);
  return found;
}

/* The next directory that is a container: one with its config.json, as
 * `cocin ps -a` lists them (not a run's directory before its first record,
 * nor one a killed run left: rmdir could not remove those). */
static struct dirent *next_container(DIR *d)
{
  struct dirent *de;
  char rel[PATH_MAX];
  while ((de = readdir(d))) {
    if (de->d_name[0] == '.' || (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN) ||
        cocin_name_check(de->d_name, NULL) < 0)
      continue;
    uint64_t key = seen_key(de);
    if (seen_find(key, false))
      return de;
    if (snprintf(rel, sizeof(rel), "%s/config.json", de->d_name) < (int)sizeof(rel) &&
        faccessat(dirfd(d), rel, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
      seen_find(key, true);
      return de;
    }
  }
  return NULL;
}

static int fill_root(struct fs_dir *dh, void *buf, fuse_fill_dir_t filler, off_t off, bool plus)
{
  static const char *const fixed[ROOT_FIXED] = {".", "..", "ctl"};
  struct stat st;
  for (off_t i = off; i < ROOT_FIXED; i++) {
    bool p = plus && i == 2 && fs_getattr("/ctl", &st, NULL) == 0;
    if (filler(buf, fixed[i], p ? &st : NULL, i + 1, p ? FUSE_FILL_DIR_PLUS : 0))
      return 0;
  }
  /* The kernel asks for the first chunk of a listing with attributes
   * (readdirplus), and for the next ones only if a caller stat'ed an entry
   * meanwhile.  So the first chunk ends after "ctl": `ls` then gets the
   * containers as bare names, without the kernel making an inode for each,
   * while `ls -l`, which stats ctl before it reads on, gets them with
   * their attributes and needs no lookup per container. */
  if (plus && off < ROOT_FIXED)
    return 0;
  if (dh->d == NULL) {
    int dfd = containers_dir();
    if (dfd < 0)
      return 0; /* no container made yet */
    dh->d = fdopendir(dfd);
    if (dh->d == NULL) {
      close(dfd);
      return -errno;
    }
    dh->pos = ROOT_FIXED;
  }
  if (off < dh->pos) { /* listed again from an earlier point */
    rewinddir(dh->d);
    dh->pos = ROOT_FIXED;
  }
  while (dh->pos < off && next_container(dh->d))
    dh->pos++;
  int fd = dirfd(dh->d);
  for (;;) {
    long at = telldir(dh->d);
    struct dirent *de = next_container(dh->d);
    if (de == NULL)
      break;
    bool p = plus && dir_attrs(fd, de->d_name, &st) == 0;
    if (filler(buf, de->d_name, p ? &st : NULL, dh->pos + 1, p ? FUSE_FILL_DIR_PLUS : 0)) {
      seekdir(dh->d, at); /* did not fit: the next call starts with it */
      break;
    }
    dh->pos++;
  }
  return 0;
}

static int fill_container(const char *name, void *buf, fuse_fill_dir_t filler, off_t off,
                          bool plus)
{
  cleanup_close int dfd = containers_dir();
  struct stat st;
  if (dfd < 0 || container_stat(dfd, name, &st) < 0)
    return -ENOENT;
  static const char *const dots[] = {".", ".."};
  off_t i = 0;
  for (; i < 2; i++)
    if (i >= off && filler(buf, dots[i], NULL, i + 1, 0))
      return 0;
  for (const struct fs_file *f = fs_files; f->name; f++, i++) {
    if (i < off)
      continue;
    bool p = plus && file_stat(dfd, name, f, &st) == 0;
    if (filler(buf, f->name, p ? &st : NULL, i + 1, p ? FUSE_FILL_DIR_PLUS : 0))
      break;
  }
  return 0;
}

/* nullpath_ok: readdir gets no path; opendir keeps what it lists. */
static int fs_opendir(const char *path, struct fuse_file_info *fi)
{
  struct fs_path p;
  int r = path_parse(path, &p);
  if (r < 0)
    return r;
  if (p.type != P_ROOT && p.type != P_DIR)
    return -ENOTDIR;
  struct fs_dir *dh = xmalloc0(sizeof(*dh));
  dh->name = p.type == P_DIR ? xstrdup(p.name) : NULL;
  fi->fh = (uintptr_t)dh;
  return 0;
}

static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
                      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
  struct fs_dir *dh = (struct fs_dir *)(uintptr_t)fi->fh;
  bool plus = flags & FUSE_READDIR_PLUS;
  if (dh->name)
    return fill_container(dh->name, buf, filler, off, plus);
  return fill_root(dh, buf, filler, off, plus);
}

static int fs_releasedir(const char *path, struct fuse_file_info *fi)
{
  struct fs_dir *dh = (struct fs_dir *)(uintptr_t)fi->fh;
  if (dh->d)
    closedir(dh->d);
  free(dh->name);
  free(dh);
  return 0;
}

static void handle_free(struct fs_handle *h)
{
  if (h->file->release)
    h->file->release(h);
  fs_line_free(&h->line);
  pthread_mutex_destroy(&h->lock);
  free(h->data);
  free(h->name);
  free(h->id);
  free(h);
}

/* A served container.log keeps its pages across opens only while it is
 * the same file: a container removed and run again under its name has a
 * new log behind the same path (and libfuse's node), whose cached pages
 * would otherwise show the old one's bytes.  The file last opened under
 * each name, by a hash of it (a collision only costs a re-read). */
#define LOG_SEEN 128
static struct {
  char name[129]; /* a name: at most 128 characters */
  dev_t dev;
  ino_t ino;
} log_seen[LOG_SEEN];
static pthread_mutex_t log_seen_lock = PTHREAD_MUTEX_INITIALIZER;

static bool log_same_file(const char *name, int fd)
{
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0)
    return false;
  uint64_t h = cocin_fnv1a(COCIN_FNV_INIT, name, strlen(name));
  pthread_mutex_lock(&log_seen_lock);
  __typeof__(log_seen[0]) *e = &log_seen[h % LOG_SEEN];
  bool same = !strcmp(e->name, name) && e->dev == st.st_dev && e->ino == st.st_ino;
  snprintf(e->name, sizeof(e->name), "%s", name);
  e->dev = st.st_dev;
  e->ino = st.st_ino;
  pthread_mutex_unlock(&log_seen_lock);
  return same;
}

static int fs_open(const char *path, struct fuse_file_info *fi)
{
  struct fs_path p;
  int r = path_parse(path, &p);
  if (r < 0)
    return r;
  if (p.type == P_ROOT || p.type == P_DIR)
    return -EISDIR;
  if ((fi->flags & O_ACCMODE) != O_RDONLY && p.file->write == NULL)
    return -EACCES;
  if (p.type == P_FILE) {
    cleanup_close int dfd = containers_dir();
    struct stat cst;
    if (dfd < 0 || container_stat(dfd, p.name, &cst) < 0)
      return -ENOENT;
  }
  struct fs_handle *h = xmalloc0(sizeof(*h));
  h->file = p.file;
  h->name = p.type == P_FILE ? xstrdup(p.name) : NULL;
  h->fd = -1;
  h->pid = -1;
  h->life = -1;
  h->reply_base = -1;
  pthread_mutex_init(&h->lock, NULL);
  r = p.file->open(h, fi->flags);
  if (r < 0) {
    handle_free(h);
    return r;
  }
  fi->direct_io = p.file->direct_io;
  /* append-only, so its pages stay good (see fs_init), while it is the
   * same file */
  fi->keep_cache = p.file->kind == FS_KIND_LOG && log_same_file(h->name, h->fd);
  fi->fh = (uintptr_t)h;
  return 0;
}

static struct fs_handle *handle_of(struct fuse_file_info *fi)
{
  return (struct fs_handle *)(uintptr_t)fi->fh;
}

/* container.log: let libfuse move the bytes from the log file to the
 * kernel (splice when it can) instead of copying them through a buffer. */
static int fs_read_buf(const char *path, struct fuse_bufvec **bufp, size_t size, off_t off,
                       struct fuse_file_info *fi)
{
  struct fs_handle *h = handle_of(fi);
  struct fuse_bufvec *bv = xmalloc0(sizeof(*bv));
  *bv = FUSE_BUFVEC_INIT(size);
  if (h->file->kind == FS_KIND_LOG && h->fd >= 0) {
    bv->buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
    bv->buf[0].fd = h->fd;
    bv->buf[0].pos = off;
    *bufp = bv;
    return 0;
  }
  bv->buf[0].mem = xmalloc0(size ? size : 1);
  ssize_t n = h->file->read(h, bv->buf[0].mem, size, off);
  if (n < 0) {
    free(bv->buf[0].mem);
    free(bv);
    return (int)n;
  }
  bv->buf[0].size = (size_t)n;
  *bufp = bv;
  return 0;
}

static int fs_write(const char *path, const char *buf, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
  struct fs_handle *h = handle_of(fi);
  if (h->file->write == NULL)
    return -EBADF;
  return (int)h->file->write(h, buf, size, off);
}

static int fs_flush(const char *path, struct fuse_file_info *fi)
{
  struct fs_handle *h = handle_of(fi);
  return h->file->flush ? h->file->flush(h) : 0;
}

static int fs_release(const char *path, struct fuse_file_info *fi)
{
  handle_free(handle_of(fi));
  return 0;
}

/* The shell's `>` truncates: harmless on the control files. */
static int fs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
  struct fs_path p;
  char pbuf[PATH_MAX];
  int r = handle_path(fi, pbuf, sizeof(pbuf), &path);
  if (r < 0 || (r = path_parse(path, &p)) < 0)
    return r;
  if (p.type == P_ROOT || p.type == P_DIR)
    return -EISDIR;
  return p.file->write ? 0 : -EACCES;
}

static int fs_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
  return fs_truncate(path, 0, fi) == 0 ? 0 : -EPERM; /* touch ctl: fine */
}

/* rmdir /cocin/<name> is `cocin rm <name>`: EBUSY while it runs. */
static int fs_rmdir(const char *path)
{
  struct fs_path p;
  int r = path_parse(path, &p);
  if (r < 0)
    return r;
  if (p.type != P_DIR)
    return p.type == P_ROOT ? -EBUSY : -ENOTDIR;
  cleanup_error cocin_error_t err = NULL;
  if (cocin_rm(fs_ctx()->root, p.name, NULL, 0, &err) < 0)
    return fs_errno(&err);
  return 0;
}

/* Containers are made through /ctl, files are the table's: the rest of
 * the namespace operations are not permitted. */
static int fs_mkdir(const char *path, mode_t mode)
{
  return -EPERM;
}

static int fs_unlink(const char *path)
{
  return -EPERM;
}

static int fs_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
  return -EPERM;
}

static int fs_mknod(const char *path, mode_t mode, dev_t dev)
{
  return -EPERM;
}

/* mv /cocin/OLD /cocin/NEW is docker's rename; a container's files, and
 * a container moved into another's directory, stay where they are. */
static int fs_rename(const char *from, const char *to, unsigned int flags)
{
  struct fs_path a, b;
  int r = path_parse(from, &a);
  if (r < 0)
    return r;
  if (a.type != P_DIR || to[0] != '/' || strchr(to + 1, '/'))
    return -EPERM;
  if (flags & ~RENAME_NOREPLACE) /* two containers' names exchanged: no */
    return -EINVAL;
  cleanup_error cocin_error_t err = NULL;
  if (path_parse(to, &b) < 0 || b.type != P_DIR) /* an invalid name, or ctl */
    return cocin_name_check(to + 1, &err) < 0 ? -EINVAL : -EPERM;
  if (cocin_rename(fs_ctx()->root, a.name, NULL, b.name, &err) < 0)
    return fs_errno(&err);
  return 0;
}

static int fs_link(const char *from, const char *to)
{
  return -EPERM;
}

static int fs_symlink(const char *target, const char *path)
{
  return -EPERM;
}

static int fs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
  return -EPERM;
}

static int fs_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
  return -EPERM;
}

static int fs_statfs(const char *path, struct statvfs *sv)
{
  memset(sv, 0, sizeof(*sv));
  sv->f_bsize = sv->f_frsize = 4096;
  sv->f_namemax = 255;
  return 0;
}

static void *fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
  /* Listings are always fresh (readdir is never cached) and so is every
   * file's content (read at open); stat results may be this old.  Short,
   * so tail -f sees a log grow at once, yet long enough that `ls -l` uses
   * the attributes readdirplus just gave instead of asking again. */
  cfg->entry_timeout = 0.1;
  cfg->attr_timeout = 0.1;
  cfg->negative_timeout = 0;
  cfg->hard_remove = 1;
  cfg->use_ino = 0;
  cfg->nullpath_ok = 1; /* handles carry what read/write/release need */
  /* log reads: splice from the log file to /dev/fuse (2.4x faster cold) */
  conn->want |= FUSE_CAP_SPLICE_WRITE & conn->capable;
  /* container.log is only appended to: keep its pages across opens; the
   * kernel drops them when it sees the size or mtime change. */
  conn->want |= FUSE_CAP_AUTO_INVAL_DATA & conn->capable;
  return fuse_get_context()->private_data;
}

const struct fuse_operations fs_ops = {
    .init = fs_init,
    .getattr = fs_getattr,
    .readlink = fs_readlink,
    .opendir = fs_opendir,
    .readdir = fs_readdir,
    .releasedir = fs_releasedir,
    .open = fs_open,
    .read_buf = fs_read_buf,
    .write = fs_write,
    .flush = fs_flush,
    .release = fs_release,
    .truncate = fs_truncate,
    .utimens = fs_utimens,
    .rmdir = fs_rmdir,
    .mkdir = fs_mkdir,
    .unlink = fs_unlink,
    .create = fs_create,
    .mknod = fs_mknod,
    .rename = fs_rename,
    .link = fs_link,
    .symlink = fs_symlink,
    .chmod = fs_chmod,
    .chown = fs_chown,
    .statfs = fs_statfs,
};
