/* cocin — cp: docker's, files and directories between the host and a
 * container's filesystem.
 *
 * A running container's root is its init's (/proc/PID/root, opened
 * through a pidfd checked against the recorded start time), where its
 * volumes are seen too.  One that does not run has its layers and
 * volumes mounted by a child of ours in a mount namespace of its own,
 * under the container's lock (no start claims it, and no second overlay
 * shares its work directory, meanwhile), and unmounted before the lock is
 * let go.
 *
 * The container is not trusted.  Its paths are cleaned as words first
 * (no ".." is left to climb out of its root), then resolved as the
 * container would resolve them (openat2's RESOLVE_IN_ROOT: an absolute
 * symlink stays in its root), and below that point each name is opened
 * from its directory's fd with O_NOFOLLOW.  A file is opened O_NONBLOCK
 * and checked to be the regular file it was seen as (never a device or a
 * FIFO put there meanwhile), and written as a new file renamed into
 * place (never through whatever the container left at the name). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/state.h"
#include "cocin/util.h"
#include "internal.h"

/* Files of several names (st_nlink > 1) copied so far in a tree: their
 * source inode, and the name the copy took (from the top of the copy),
 * for the next name to be a link to it.  Open addressing, by inode. */
struct links {
  struct link {
    dev_t dev;
    ino_t ino;
    char *path;     /* NULL: a free slot */
    dev_t to_dev;   /* the copy's own inode, which path must still name */
    ino_t to_ino;
  } *v;
  size_t n, cap;
  /* the directory the tree goes into (-1: not known yet), and how much of
   * a source's shown path comes before its path below the tree's top */
  int top;
  size_t skip;
};

/* The tree's top: dir, whose source was shown as shown (its entries are
 * shown as shown/NAME) */
static void links_top(struct links *l, int dir, const char *shown)
{
  size_t n = strlen(shown);
  l->top = dir;
  l->skip = n + (n == 0 || shown[n - 1] != '/');
}

struct cp_opts {
  bool archive; /* -a: the source's owners; else the copier's (root) */
  bool follow;  /* -L: the source path's own last symlink is followed */
  int src_root; /* the container's root, or -1: the host's path */
  int dst_root;
  bool specials; /* devices and FIFOs made again (an image's tree), not left out */
  /* hard links kept: a file's further names are linked to its first
   * copy, by the names their sources have below the tree's top; NULL:
   * each name a file of its own */
  struct links *links;
};

static struct link *link_slot(struct links *l, dev_t dev, ino_t ino)
{
  size_t h = (size_t)cocin_fnv1a(cocin_fnv1a(14695981039346656037ULL, &dev, sizeof(dev)), &ino,
                                 sizeof(ino));
  for (size_t i = h & (l->cap - 1);; i = (i + 1) & (l->cap - 1))
    if (l->v[i].path == NULL || (l->v[i].dev == dev && l->v[i].ino == ino))
      return &l->v[i];
}

static void link_add(struct links *l, dev_t dev, ino_t ino, const char *path,
                     const struct stat *copy)
{
  if (2 * (l->n + 1) > l->cap) { /* at most half full: a free slot ends every probe */
    struct links bigger = *l;
    bigger.cap = l->cap ? 2 * l->cap : 256;
    bigger.v = xmalloc0(bigger.cap * sizeof(struct link));
    for (size_t i = 0; i < l->cap; i++)
      if (l->v[i].path)
        *link_slot(&bigger, l->v[i].dev, l->v[i].ino) = l->v[i];
    bigger.n = l->n;
    free(l->v);
    *l = bigger;
  }
  struct link *s = link_slot(l, dev, ino);
  if (s->path == NULL) {
    *s = (struct link){dev, ino, xstrdup(path), copy->st_dev, copy->st_ino};
    l->n++;
  }
}

/* dname in ddir: another name of the first copy, found below top with no
 * symlink followed (a container may have changed the tree meanwhile) and
 * still the inode it was */
static bool link_to(int top, const struct link *first, int ddir, const char *dname)
{
  struct open_how how = {.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
                         .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV};
  cleanup_close int fd = (int)syscall(SYS_openat2, top, first->path, &how, sizeof(how));
  struct stat now;
  return fd >= 0 && fstat(fd, &now) == 0 && S_ISREG(now.st_mode) &&
         now.st_dev == first->to_dev && now.st_ino == first->to_ino &&
         linkat(fd, "", ddir, dname, AT_EMPTY_PATH) == 0;
}

static void links_free(struct links *l)
{
  for (size_t i = 0; i < l->cap; i++)
    free(l->v[i].path);
  free(l->v);
  l->v = NULL;
  l->n = l->cap = 0;
}

/* path opened in the container (RESOLVE_IN_ROOT) or on the host */
int open_inside(int root, const char *path, int flags)
{
  /* (O_PATH takes no O_NOCTTY: openat2 refuses the pair) */
  if (!(flags & O_PATH))
    flags |= O_NOCTTY;
  if (root < 0)
    return open(path, flags | O_CLOEXEC);
  struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC),
                         .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
  int fd = -1;
  for (int i = 0; i < 16; i++) /* EAGAIN: a rename raced a "..": try again */
    if ((fd = (int)syscall(SYS_openat2, root, path, &how, sizeof(how))) >= 0 || errno != EAGAIN)
      break;
  return fd;
}

/* The path as words, cleaned as docker's filepath.Clean cleans it: no
 * empty, "." or ".." component left (".." eats the one before it, and
 * stays at the root of an absolute path); "" is "." */
static char *clean_path(const char *in)
{
  bool abs = in[0] == '/';
  size_t cap = strlen(in) + 2;
  char *out = xmalloc0(cap);
  size_t n = 0, floor = 0; /* floor: leading ".." of a relative path stay */
  if (abs)
    out[n++] = '/', floor = 1;
  for (const char *p = in; *p;) {
    while (*p == '/')
      p++;
    const char *e = strchr(p, '/');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    if (len == 0 || (len == 1 && p[0] == '.')) {
      /* nothing */
    } else if (len == 2 && p[0] == '.' && p[1] == '.') {
      if (n > floor) { /* back over the last component */
        while (n > floor && out[n - 1] != '/')
          n--;
        if (n > floor)
          n--;
      } else if (!abs) { /* a relative path above its start */
        if (n)
          out[n++] = '/';
        out[n++] = '.', out[n++] = '.';
        floor = n;
      }
    } else {
      if (n && out[n - 1] != '/')
        out[n++] = '/';
      memcpy(out + n, p, len);
      n += len;
    }
    p += len;
  }
  if (n == 0)
    out[n++] = '.';
  out[n] = '\0';
  return out;
}

/* "a/b/c" -> "a/b", "c"; "/c" -> "/", "c"; "c" -> ".", "c" (clean paths) */
static void split_path(const char *p, char **dir, char **base)
{
  const char *slash = strrchr(p, '/');
  if (slash == NULL) {
    *dir = xstrdup(".");
    *base = xstrdup(p);
    return;
  }
  *base = xstrdup(slash + 1);
  *dir = slash == p ? xstrdup("/") : xstrndup(p, (size_t)(slash - p));
}

/* the file as it was seen (size bytes): one the container keeps
 * appending to ends where it stood */
static int copy_data(int in, int out, off_t size, const char *what, cocin_error_t *err)
{
  while (size > 0) {
    ssize_t n = sendfile(out, in, NULL, size < (1 << 20) ? (size_t)size : (1 << 20));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return cocin_fail_errno(err, "cp: write %s", what);
    if (n == 0)
      break; /* it shrank meanwhile */
    size -= n;
  }
  return 0;
}

/* owners (-a), mode and times of what fd is; of name in dirfd, a symlink,
 * when fd is -1 */
static bool copy_meta(int fd, int dirfd, const char *name, const struct stat *st,
                      const struct cp_opts *o)
{
  struct timespec ts[2] = {st->st_atim, st->st_mtim};
  if (fd < 0) {
    if (o->archive)
      (void)fchownat(dirfd, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW);
    (void)utimensat(dirfd, name, ts, AT_SYMLINK_NOFOLLOW);
    return false;
  }
  /* set-user/group-id bits only with their owners (-a), as cp(1) keeps
   * them only with -p: a setuid file of the container's is no root's
   * setuid program on the host */
  bool owned = o->archive && fchown(fd, st->st_uid, st->st_gid) == 0;
  (void)fchmod(fd, st->st_mode & (owned ? 07777 : 01777)); /* after chown, which drops them */
  (void)futimens(fd, ts);
  return owned;
}

/* -a: the extended attributes of from on to (file capabilities, ACLs,
 * user.*), after the owners, whose change drops a file's capabilities;
 * not overlayfs's own (trusted.overlay.*), nor the host's SELinux label,
 * and file capabilities only with their owners kept (owned), as set-id
 * bits.  A file system that takes none is no error. */
static void copy_xattrs(int from, int to, bool owned)
{
  ssize_t n = flistxattr(from, NULL, 0);
  if (n <= 0)
    return;
  cleanup_free char *names = xmalloc0((size_t)n + 1);
  n = flistxattr(from, names, (size_t)n);
  for (ssize_t i = 0; n > 0 && i < n; i += (ssize_t)strlen(names + i) + 1) {
    const char *k = names + i;
    if (!strncmp(k, "trusted.overlay.", 16) || !strcmp(k, "security.selinux") ||
        (!owned && !strcmp(k, "security.capability")))
      continue;
    ssize_t v = fgetxattr(from, k, NULL, 0);
    if (v < 0)
      continue;
    cleanup_free char *val = xmalloc0((size_t)v + 1);
    v = fgetxattr(from, k, val, (size_t)v);
    if (v >= 0)
      (void)fsetxattr(to, k, val, (size_t)v, 0);
  }
}

/* fd is the object st described (the same inode, of the same kind) */
static bool same_node(int fd, const struct stat *st)
{
  struct stat now;
  return fstat(fd, &now) == 0 && now.st_dev == st->st_dev && now.st_ino == st->st_ino &&
         (now.st_mode & S_IFMT) == (st->st_mode & S_IFMT);
}

/* the kernel's own files (proc, sys, ...) are not copied */
static bool kernel_fs(int fd);

/* An O_PATH fd of a regular file, opened for reading (the same inode:
 * nothing a rename could swap) unless it lies on the kernel's files */
static int reopen_file(int path, const char *shown, cocin_error_t *err)
{
  if (kernel_fs(path))
    return cocin_fail(err, EPERM, "cp: %s: the kernel's files (/proc, /sys) are not copied", shown);
  char self[64];
  snprintf(self, sizeof(self), "/proc/self/fd/%d", path);
  int fd = open(self, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return cocin_fail_errno(err, "cp: open %s", shown);
  return fd;
}

/* A regular file seen as st, name in dirfd, opened for reading: never a
 * FIFO or a device swapped in meanwhile (O_NONBLOCK opens a FIFO at
 * once, and the check refuses it unread) */
static int open_source_file(int dirfd, const char *name, const struct stat *st, const char *shown,
                            cocin_error_t *err)
{
  /* O_PATH first: opening a device swapped in would be the device's own
   * open (a watchdog armed, a line hung up), as root, outside the
   * container's device cgroup; an O_PATH fd opens nothing */
  cleanup_close int path = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (path < 0)
    return cocin_fail_errno(err, "cp: open %s", shown);
  if (!S_ISREG(st->st_mode) || !same_node(path, st))
    return cocin_fail(err, EAGAIN, "cp: %s changed while it was copied", shown);
  return reopen_file(path, shown, err);
}

/* The file's data and metadata into name in ddir: a new file, renamed
 * over whatever is there but a directory (the old file, a symlink, a
 * node: replaced, never written through) */
static int write_file(int in, const struct stat *st, int ddir, const char *name,
                      const struct cp_opts *o, cocin_error_t *err)
{
  char rnd[65];
  if (cocin_random_id(rnd, err) < 0)
    return -1;
  char tmp[32];
  snprintf(tmp, sizeof(tmp), ".cocin-cp-%.12s", rnd);
  cleanup_close int out = openat(ddir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                 0600);
  if (out < 0)
    return cocin_fail_errno(err, "cp: create %s", name);
  int r = copy_data(in, out, st->st_size, name, err);
  if (r == 0) {
    bool owned = copy_meta(out, -1, NULL, st, o);
    if (o->archive)
      copy_xattrs(in, out, owned);
    if (renameat(ddir, tmp, ddir, name) < 0)
      r = errno == EISDIR || errno == ENOTEMPTY || errno == EEXIST
              ? cocin_fail(err, EISDIR, "cp: cannot overwrite directory %s with a file", name)
              : cocin_fail_errno(err, "cp: create %s", name);
  }
  if (r < 0)
    unlinkat(ddir, tmp, 0);
  return r;
}

/* proc, sys and the like are the kernel's, not files to copy (docker's
 * cp copies none): a directory on one is left out */
static bool kernel_fs(int fd)
{
  struct statfs fs;
  if (fstatfs(fd, &fs) < 0)
    return false;
  switch ((unsigned long)fs.f_type) {
  case PROC_SUPER_MAGIC:
  case SYSFS_MAGIC:
  case CGROUP_SUPER_MAGIC:
  case CGROUP2_SUPER_MAGIC:
  case DEVPTS_SUPER_MAGIC:
  case 0x19800202: /* mqueue's (not in linux/magic.h) */
  case SECURITYFS_MAGIC:
  case DEBUGFS_MAGIC:
  case TRACEFS_MAGIC:
  case BPF_FS_MAGIC:
    return true;
  default:
    return false;
  }
}

static int copy_node(int sdir, const char *sname, int ddir, const char *dname, const char *shown,
                     const struct cp_opts *o, int depth, cocin_error_t *err);

/* A device or FIFO made again as dname in ddir (never opened: a FIFO
 * would wait for a writer, a device is not ours to touch), with its
 * owners, mode and times */
static int copy_special(const struct stat *st, int ddir, const char *dname, const char *shown,
                        const struct cp_opts *o, cocin_error_t *err)
{
  if (mknodat(ddir, dname, st->st_mode & (S_IFMT | 0777), st->st_rdev) < 0) {
    if (errno == EPERM && !S_ISFIFO(st->st_mode))
      return 0; /* no devices may be made here (a user namespace): left out, as docker's */
    return cocin_fail_errno(err, "cp: mknod %s", shown);
  }
  bool owned = o->archive && fchownat(ddir, dname, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) == 0;
  struct timespec ts[2] = {st->st_atim, st->st_mtim};
  (void)fchmodat(ddir, dname, st->st_mode & (owned ? 07777 : 01777), 0);
  (void)utimensat(ddir, dname, ts, AT_SYMLINK_NOFOLLOW);
  return 0;
}

/* what sfd holds, into dfd */
static int copy_entries(int sfd, int dfd, const char *shown, const struct cp_opts *o, int depth,
                        cocin_error_t *err)
{
  int scan = openat(sfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (scan < 0)
    return cocin_fail_errno(err, "cp: %s", shown);
  cleanup_dir DIR *d = fdopendir(scan);
  if (d == NULL) {
    close(scan);
    return cocin_fail_errno(err, "cp: %s", shown);
  }
  struct dirent *de;
  while ((errno = 0, de = readdir(d))) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
      continue;
    cleanup_free char *sub = xasprintf("%s%s%s", shown,
                                       shown[0] && shown[strlen(shown) - 1] == '/' ? "" : "/",
                                       de->d_name);
    if (copy_node(sfd, de->d_name, dfd, de->d_name, sub, o, depth + 1, err) < 0)
      return -1;
  }
  if (errno)
    return cocin_fail_errno(err, "cp: read %s", shown);
  return 0;
}

/* A directory sfd (seen as st) as dname in ddir, and all it holds: made,
 * or there already (then its mode, owners and times stay its own) */
static int copy_dir(int sfd, const struct stat *st, int ddir, const char *dname, const char *shown,
                    const struct cp_opts *o, int depth, cocin_error_t *err)
{
  bool made = mkdirat(ddir, dname, 0700) == 0;
  if (!made && errno != EEXIST)
    return cocin_fail_errno(err, "cp: mkdir %s", dname);
  cleanup_close int dfd = openat(ddir, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd < 0)
    return errno == ENOTDIR || errno == ELOOP
               ? cocin_fail(err, ENOTDIR, "cp: cannot overwrite non-directory %s with a directory",
                            dname)
               : cocin_fail_errno(err, "cp: open %s", dname);
  if (depth == 0 && o->links && o->links->top < 0)
    links_top(o->links, dfd, shown);
  if (copy_entries(sfd, dfd, shown, o, depth, err) < 0)
    return -1;
  if (made) {
    bool owned = copy_meta(dfd, -1, NULL, st, o);
    if (o->archive)
      copy_xattrs(sfd, dfd, owned);
  }
  return 0;
}

/* sname in sdir (never followed) as dname in ddir: a file, a directory
 * and all it holds, a symlink as a symlink; a device, FIFO or socket
 * within a directory is left out (one named on its own is refused), but
 * for an image's tree, which keeps devices and FIFOs as docker's tar
 * layers do (sockets, as tar's, never) */
static int copy_node(int sdir, const char *sname, int ddir, const char *dname, const char *shown,
                     const struct cp_opts *o, int depth, cocin_error_t *err)
{
  if (depth > 256)
    return cocin_fail(err, ELOOP, "cp: %s: nested too deep", shown);
  struct stat st;
  if (fstatat(sdir, sname, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return cocin_fail_errno(err, "cp: %s", shown);
  if (S_ISREG(st.st_mode)) {
    /* in a tree, below its top */
    bool linked = o->links && o->links->top >= 0 && st.st_nlink > 1 && depth > 0 &&
                  strlen(shown) > o->links->skip;
    const char *rel = linked ? shown + o->links->skip : NULL;
    if (linked && o->links->cap) {
      struct link *first = link_slot(o->links, st.st_dev, st.st_ino);
      if (first->path && link_to(o->links->top, first, ddir, dname))
        return 0; /* another name of a file copied already */
    }
    cleanup_close int in = open_source_file(sdir, sname, &st, shown, err);
    if (in < 0 || write_file(in, &st, ddir, dname, o, err) < 0)
      return -1;
    struct stat copy;
    if (linked && fstatat(ddir, dname, &copy, AT_SYMLINK_NOFOLLOW) == 0)
      link_add(o->links, st.st_dev, st.st_ino, rel, &copy);
    return 0;
  }
  if (S_ISDIR(st.st_mode)) {
    cleanup_close int sfd =
        openat(sdir, sname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (sfd < 0 || !same_node(sfd, &st))
      return sfd < 0 ? cocin_fail_errno(err, "cp: open %s", shown)
                     : cocin_fail(err, EAGAIN, "cp: %s changed while it was copied", shown);
    if (depth == 0 && kernel_fs(sfd))
      return cocin_fail(err, EPERM, "cp: %s: the kernel's files (/proc, /sys) are not copied",
                        shown);
    if (depth > 0 && kernel_fs(sfd)) { /* its mount point only, empty */
      if (mkdirat(ddir, dname, 0755) < 0 && errno != EEXIST)
        return cocin_fail_errno(err, "cp: mkdir %s", dname);
      return 0;
    }
    return copy_dir(sfd, &st, ddir, dname, shown, o, depth, err);
  }
  if (S_ISLNK(st.st_mode)) {
    char target[PATH_MAX];
    ssize_t n = readlinkat(sdir, sname, target, sizeof(target) - 1);
    if (n < 0)
      return cocin_fail_errno(err, "cp: readlink %s", shown);
    target[n] = '\0';
    if (symlinkat(target, ddir, dname) < 0 &&
        (errno != EEXIST || unlinkat(ddir, dname, 0) < 0 || symlinkat(target, ddir, dname) < 0))
      return cocin_fail_errno(err, "cp: symlink %s", dname);
    copy_meta(-1, ddir, dname, &st, o);
    return 0;
  }
  if (o->specials && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)))
    return copy_special(&st, ddir, dname, shown, o, err);
  if (depth > 0)
    return 0;
  return cocin_fail(err, ENOTSUP, "cp: %s: a device, FIFO or socket is not copied", shown);
}

/* host paths: "." and ".." as the last word name the directory itself */
static char *host_path(const char *given, cocin_error_t *err)
{
  cleanup_free char *c = clean_path(given);
  const char *base = strrchr(c, '/') ? strrchr(c, '/') + 1 : c;
  if (strcmp(base, ".") && strcmp(base, ".."))
    return steal_ptr(c);
  char *real = realpath(c, NULL);
  if (real == NULL)
    cocin_fail_errno(err, "cp: %s", given);
  return real;
}

/* docker's rules for where SRC goes: into DST if DST is a directory
 * (SRC's contents only, for "DIR/."), else DST itself (its parent must
 * exist; a DST ending in "/" must be a directory). */
static int copy_paths(const char *src_given, const char *dst_given, const struct cp_opts *o,
                      cocin_error_t *err)
{
  size_t sl = strlen(src_given), dl = strlen(dst_given);
  bool contents = (sl >= 2 && !strcmp(src_given + sl - 2, "/.")) || !strcmp(src_given, ".");
  /* "DIR/": DIR must be a directory, a symlink to one followed (as the
   * kernel reads a trailing slash) */
  bool src_slash = !contents && sl > 1 && src_given[sl - 1] == '/';
  bool want_dir = dl > 0 && (dst_given[dl - 1] == '/' || (dl >= 2 && !strcmp(dst_given + dl - 2, "/.")));
  cleanup_free char *src = o->src_root < 0 ? host_path(src_given, err) : clean_path(src_given);
  cleanup_free char *dst = o->dst_root < 0 ? host_path(dst_given, err) : clean_path(dst_given);
  if (src == NULL || dst == NULL)
    return -1;
  if (!strcmp(src, "/"))
    contents = true; /* a root: what it holds */

  /* the source: a directory whose contents go, or a node and its name */
  struct stat st;
  cleanup_close int sfd = -1;  /* the directory (contents, or -L's) */
  cleanup_close int sdfd = -1; /* its parent, for the node itself */
  cleanup_close int file = -1; /* -L's regular file, open */
  cleanup_free char *sdir = NULL, *sbase = NULL;
  split_path(src, &sdir, &sbase);
  if (contents || o->follow || src_slash) {
    cleanup_close int p = open_inside(o->src_root, src, O_PATH);
    if (p < 0 || fstat(p, &st) < 0)
      return cocin_fail_errno(err, "cp: %s", src_given);
    if ((contents || src_slash) && !S_ISDIR(st.st_mode))
      return cocin_fail(err, ENOTDIR, "cp: %s: not a directory", src_given);
    if (S_ISDIR(st.st_mode)) {
      if (kernel_fs(p))
        return cocin_fail(err, EPERM, "cp: %s: the kernel's files (/proc, /sys) are not copied",
                          src_given);
      sfd = openat(p, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (sfd < 0)
        return cocin_fail_errno(err, "cp: open %s", src_given);
    } else if (S_ISREG(st.st_mode)) {
      file = reopen_file(p, src_given, err);
      if (file < 0)
        return -1;
    } else {
      return cocin_fail(err, ENOTSUP, "cp: %s: a device, FIFO or socket is not copied",
                        src_given);
    }
  } else {
    sdfd = open_inside(o->src_root, sdir, O_RDONLY | O_DIRECTORY);
    if (sdfd < 0 || fstatat(sdfd, sbase, &st, AT_SYMLINK_NOFOLLOW) < 0)
      return cocin_fail_errno(err, "cp: %s", src_given);
  }
  bool is_dir = S_ISDIR(st.st_mode);

  /* the destination: a directory to go into, or the name to take */
  cleanup_close int whole = open_inside(o->dst_root, dst, O_RDONLY | O_DIRECTORY);
  cleanup_close int ddir = -1;
  cleanup_free char *dname = NULL;
  if (whole >= 0) {
    if (contents) {
      if (o->links)
        links_top(o->links, whole, src_given);
      return copy_entries(sfd, whole, src_given, o, 0, err);
    }
    ddir = steal_fd(whole);
    dname = xstrdup(sbase);
  } else {
    int e = errno;
    if (e != ENOENT && e != ENOTDIR)
      return cocin_fail_errno(err, "cp: %s", dst_given);
    if (want_dir && e == ENOTDIR)
      return cocin_fail(err, ENOTDIR, "cp: %s: not a directory", dst_given);
    if (want_dir && !is_dir) /* (a directory is made, docker's rule) */
      return cocin_fail(err, ENOENT, "cp: %s: no such directory", dst_given);
    cleanup_free char *pdir = NULL;
    split_path(dst, &pdir, &dname);
    ddir = open_inside(o->dst_root, pdir, O_RDONLY | O_DIRECTORY);
    if (ddir < 0)
      return cocin_fail_errno(err, "cp: %s", pdir);
    struct stat there;
    if (is_dir && fstatat(ddir, dname, &there, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(there.st_mode))
      return cocin_fail(err, ENOTDIR, "cp: cannot copy a directory to a file: %s", dst_given);
  }
  if (sfd >= 0) /* a directory by -L, or its contents to a new name */
    return copy_dir(sfd, &st, ddir, dname, src_given, o, 0, err);
  if (file >= 0)
    return write_file(file, &st, ddir, dname, o, err);
  return copy_node(sdfd, sbase, ddir, dname, src_given, o, 0, err);
}

int layers_lock(const char *root, const char *name, bool exclusive)
{
  cleanup_free char *work = cocin_container_file(root, name, "work");
  cleanup_close int fd = open(work, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return -1;
  while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0)
    if (errno != EINTR)
      return -1;
  return steal_fd(fd);
}

/* "NAME:PATH": the container's part, or NULL for a host path (a path
 * with a '/' before its first ':' is the host's, as docker reads it) */
static char *container_part(const char *arg, const char **path)
{
  const char *colon = strchr(arg, ':');
  if (colon == NULL || colon == arg || memchr(arg, '/', (size_t)(colon - arg)))
    return NULL;
  *path = colon + 1;
  return xstrndup(arg, (size_t)(colon - arg));
}

int in_mount_ns(int (*fn)(void *ctx, cocin_error_t *err), void *ctx, const int *keep,
                size_t nkeep, const char *verb, cocin_error_t *err)
{
  if (nkeep > CLOSE_FDS_KEEP_MAX - 1)
    return cocin_fail(err, EINVAL, "%s: too many fds to keep", verb);
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) < 0)
    return cocin_fail_errno(err, "%s: pipe", verb);
  cleanup_close int rd = pipefd[0];
  cleanup_close int wr = pipefd[1];
  pid_t pid = fork();
  if (pid < 0)
    return cocin_fail_errno(err, "%s: fork", verb);
  if (pid == 0) {
    close(rd);
    int kept[CLOSE_FDS_KEEP_MAX];
    kept[0] = wr;
    for (size_t i = 0; i < nkeep; i++)
      kept[i + 1] = keep[i];
    close_fds_except(3, kept, nkeep + 1);
    /* the signals as they come (our caller may hold them off while a
     * container is paused: then the work stops, and it thaws it), and
     * gone with our caller */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    cocin_error_t e = NULL;
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
      cocin_fail_errno(&e, "%s: a mount namespace", verb);
      child_fail(wr, 1, &e);
    }
    if (fn(ctx, &e) < 0) /* the init's way: the status and the message, cut to fit the pipe */
      child_fail(wr, 1, &e);
    _exit(0);
  }
  close(steal_fd(wr));
  int r = read_child_error(rd, err);
  int status = 0;
  pid_t w;
  while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
    ;
  /* dead without a word: its status says so (a caller that ignores
   * SIGCHLD reaps none, and has its word alone) */
  if (r == 0 && w == pid && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
    r = cocin_fail(err, EIO, "%s: the copying process died", verb);
  return r;
}

int copy_tree(int sfd, int dfd, bool archive, cocin_error_t *err)
{
  struct links links = {.top = dfd, .skip = 1}; /* "/NAME..." */
  struct cp_opts o = {
      .archive = archive, .src_root = sfd, .dst_root = dfd, .specials = true, .links = &links};
  struct stat st;
  if (fstat(sfd, &st) < 0)
    return cocin_fail_errno(err, "copy");
  int r = copy_entries(sfd, dfd, "/", &o, 0, err);
  links_free(&links);
  if (r < 0)
    return -1;
  bool owned = copy_meta(dfd, -1, NULL, &st, &o);
  if (archive)
    copy_xattrs(sfd, dfd, owned);
  return 0;
}

struct stopped_copy {
  const char *dir, *opts, *src, *dst;
  unsigned long flags;
  const struct cocin_spec *spec;
  struct cp_opts *o;
  bool into;
};

static int copy_mounted(void *ctx, cocin_error_t *err)
{
  struct stopped_copy *c = ctx;
  if (mount("overlay", c->dir, "overlay", c->flags, c->opts) < 0)
    return cocin_fail_errno(err, "cp: mount the container's layers");
  int r = mount_volumes_at(c->dir, c->spec, true, false, err);
  if (r == 0) {
    int croot = open(c->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (croot < 0) {
      r = cocin_fail_errno(err, "cp: open the container's root");
    } else {
      if (c->into)
        c->o->dst_root = croot;
      else
        c->o->src_root = croot;
      r = copy_paths(c->src, c->dst, c->o, err);
      close(croot);
    }
  }
  /* the layers and the volumes on them, detached: with nothing of them
   * open any more, the kernel lets them go before umount2 returns (the
   * overlay's last reference is dropped on the way out of the call), so
   * before the parent lets go of the lock */
  if (umount2(c->dir, MNT_DETACH) < 0 && r == 0)
    r = cocin_fail_errno(err, "cp: unmount the container's layers");
  return r;
}

/* A container that does not run: its layers (and volumes), read-write,
 * in a mount namespace of a child's own, while the caller holds the
 * container's lock; the child copies, unmounts (synchronously: no second
 * overlay may share the work directory once the lock is let go), and
 * says how it went. */
static int copy_stopped(const char *root, const char *name, const cJSON *cfg, const char *src,
                        const char *dst, struct cp_opts *o, bool into, cocin_error_t *err)
{
  struct cocin_spec spec = {0};
  if (cocin_spec_from_json(cfg, &spec, err) < 0) {
    cocin_spec_free(&spec);
    return cocin_error_wrap(err, "cp: container %s", name);
  }
  cleanup_free char *rootfs = NULL;
  cleanup_close int hold = -1;
  if (spec.image == NULL || cocin_image_hold(root, spec.image, &rootfs, &hold, err) < 0) {
    bool had = spec.image != NULL;
    cocin_spec_free(&spec);
    return had ? cocin_error_wrap(err, "cp") : cocin_fail(err, EIO, "cp: no image recorded");
  }
  /* its last run's mounts gone with its monitor (start waits so too),
   * and no cp at work in them */
  wait_last_monitor(cfg);
  cleanup_close int layers = layers_lock(root, name, true);
  (void)layers; /* held to the end */
  cleanup_free char *dir = cocin_container_dir(root, name);
  cleanup_free char *upper = cocin_container_file(root, name, "upper");
  cleanup_free char *work = cocin_container_file(root, name, "work");
  cleanup_free char *opts = xasprintf("lowerdir=%s,upperdir=%s,workdir=%s", rootfs, upper, work);
  /* nodev, whatever the container's policy: cp opens no device, and a
   * node the container made is no way out of its device cgroup; and
   * read-only for a --read-only container (its volumes as they are) */
  struct stopped_copy c = {dir, opts, src, dst,
                           MS_NOSUID | MS_NODEV | (spec.security.read_only ? MS_RDONLY : 0),
                           &spec, o, into};
  int r = in_mount_ns(copy_mounted, &c, NULL, 0, "cp", err);
  cocin_spec_free(&spec);
  return r;
}

int cocin_copy(const char *root, const char *src, const char *dst, bool archive, bool follow,
               cocin_error_t *err)
{
  const char *spath = src, *dpath = dst;
  cleanup_free char *sname = container_part(src, &spath);
  cleanup_free char *dname = container_part(dst, &dpath);
  if (sname && dname)
    return cocin_fail(err, EINVAL, "cp: copying between containers is not supported");
  if (!sname && !dname)
    return cocin_fail(err, EINVAL, "cp: give one side as CONTAINER:PATH");
  if (!strcmp(sname ? dst : src, "-"))
    return cocin_fail(err, EINVAL, "cp: \"-\" (a tar stream) is not supported: give a path");
  if (*(sname ? spath : dpath) == '\0')
    return cocin_fail(err, EINVAL, "cp: %s: no path in the container", sname ? src : dst);
  bool into = dname != NULL;
  cleanup_free char *name = cocin_state_resolve(root, into ? dname : sname, err);
  if (name == NULL)
    return -1;
  /* a container's path is from its root, the leading "/" optional (as
   * docker takes it) */
  const char *given = into ? dpath : spath;
  cleanup_free char *cpath = given[0] == '/' ? xstrdup(given) : xasprintf("/%s", given);
  const char *s = into ? src : cpath, *d = into ? cpath : dst;
  __attribute__((cleanup(links_free))) struct links links = {.top = -1};
  struct cp_opts o = {archive, follow, -1, -1, false, &links};
  for (int tries = 0;; tries++) {
    cJSON *cfg = NULL;
    if (cocin_state_load(root, name, &cfg, err) < 0)
      return -1;
    const char *st = cj_str(cfg, "status");
    if (st && !strcmp(st, "running")) {
      /* its init's root, while it runs (not its lock: a long copy must
       * not hold up its stop, or its monitor recording its exit; its
       * layers' shared lock, taken before the root is opened, holds up a
       * start that would mount them again while we hold them) */
      cleanup_close int layers = layers_lock(root, name, false);
      (void)layers; /* held to the end */
      cleanup_close int pfd = pidfd_open_checked((pid_t)cj_int(cfg, "pid", 0),
                                                 (uint64_t)cj_int(cfg, "pidStartTime", 0));
      char proot[64];
      snprintf(proot, sizeof(proot), "/proc/%d/root", (int)cj_int(cfg, "pid", 0));
      cleanup_close int croot = pfd >= 0 ? open(proot, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
      /* still that process (the pidfd holds it): then that is its root */
      if (croot >= 0 && sys_pidfd_send_signal(pfd, 0) < 0)
        close(steal_fd(croot));
      if (croot < 0) { /* it ended: once its monitor is done, its layers */
        if (tries < 3)
          wait_last_monitor(cfg);
        cJSON_Delete(cfg);
        if (tries < 3)
          continue;
        return cocin_fail(err, ESRCH, "cp: container %s: its root could not be opened", name);
      }
      cJSON_Delete(cfg);
      if (into)
        o.dst_root = croot;
      else
        o.src_root = croot;
      return copy_paths(s, d, &o, err);
    }
    cJSON_Delete(cfg);
    /* not running: looked at again under its lock, held while its layers
     * are mounted (no start claims it, no rm removes it meanwhile) */
    cleanup_close int lock = cocin_state_lock(root, name, err);
    if (lock < 0 || cocin_state_load_raw(root, name, &cfg, err) < 0)
      return -1;
    st = cj_str(cfg, "status");
    int r;
    if (st && !strcmp(st, "running") && tries < 3) {
      cJSON_Delete(cfg);
      continue; /* started meanwhile */
    }
    if (st && !strcmp(st, "running"))
      r = cocin_fail(err, EBUSY, "cp: container %s keeps starting and ending: try again", name);
    else if (st && !strcmp(st, "created") && !cocin_state_is_new(cfg))
      r = cocin_fail(err, EBUSY, "cp: container %s is starting", name);
    else if (cj_bool(cfg, "removeRequested"))
      r = cocin_fail(err, EBUSY, "cp: container %s is being removed", name);
    else
      r = copy_stopped(root, name, cfg, s, d, &o, into, err);
    cJSON_Delete(cfg);
    return r;
  }
}
