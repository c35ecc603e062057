/* cocin — cp: docker's, files and directories between the host and a
 * container's filesystem.
 *
 * A running container's root is its init's (/proc/PID/root, opened
 * through a pidfd checked against the recorded start time), where its
 * volumes are seen too.  One that does not run has its layers mounted by
 * a child of ours in a mount namespace of its own, under the container's
 * lock (no start can claim it meanwhile, and no second overlay shares
 * its work directory), and unmounted before the lock is let go.
 *
 * Inside the container a path is resolved as the container would resolve
 * it (openat2's RESOLVE_IN_ROOT: an absolute symlink, or "..", stays in
 * its root), and below that point each name is opened from its
 * directory's fd with O_NOFOLLOW: a symlink in the container never sends
 * a read or a write to the host's files. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/state.h"
#include "cocin/util.h"
#include "internal.h"

struct cp_opts {
  bool archive;    /* -a: the source's owners; else the copier's (root) */
  bool follow;     /* -L: the source path's own last symlink is followed */
  int src_root;    /* the container's root, or -1: src is the host's */
  int dst_root;
};

/* path opened in the container (RESOLVE_IN_ROOT) or on the host */
static int open_at(int root, const char *path, int flags)
{
  if (root < 0)
    return open(path, flags | O_CLOEXEC, 0600);
  struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC),
                         .mode = flags & O_CREAT ? 0600 : 0,
                         .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
  int fd = -1;
  for (int i = 0; i < 16; i++) /* EAGAIN: a rename raced a "..": try again */
    if ((fd = (int)syscall(SYS_openat2, root, path, &how, sizeof(how))) >= 0 || errno != EAGAIN)
      break;
  return fd;
}

/* "a/b/c" -> dir "a/b", base "c"; "/c" -> "/", "c"; "c" -> ".", "c"; a
 * trailing slash is not part of the base */
static void split_path(const char *path, char **dir, char **base)
{
  cleanup_free char *p = xstrdup(path);
  size_t n = strlen(p);
  while (n > 1 && p[n - 1] == '/')
    p[--n] = '\0';
  char *slash = strrchr(p, '/');
  if (slash == NULL) {
    *dir = xstrdup(".");
    *base = xstrdup(p);
  } else {
    *base = xstrdup(slash + 1);
    *dir = slash == p ? xstrdup("/") : strndup(p, (size_t)(slash - p));
    if (*dir == NULL)
      abort();
  }
}

static int copy_data(int in, int out, const char *what, cocin_error_t *err)
{
  for (;;) {
    ssize_t n = sendfile(out, in, NULL, 1 << 20);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return cocin_fail_errno(err, "cp: write %s", what);
    if (n == 0)
      return 0;
  }
}

/* owners, mode and times of what fd is (or of name in dirfd, a symlink) */
static void copy_meta(int fd, int dirfd, const char *name, const struct stat *st,
                      const struct cp_opts *o)
{
  struct timespec ts[2] = {st->st_atim, st->st_mtim};
  if (fd < 0) { /* a symlink: its owners and times only */
    if (o->archive)
      (void)fchownat(dirfd, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW);
    (void)utimensat(dirfd, name, ts, AT_SYMLINK_NOFOLLOW);
    return;
  }
  if (o->archive)
    (void)fchown(fd, st->st_uid, st->st_gid);
  (void)fchmod(fd, st->st_mode & 07777); /* after chown, which drops set-id bits */
  (void)futimens(fd, ts);
}

static int copy_node(int sdir, const char *sname, int ddir, const char *dname, const char *shown,
                     const struct cp_opts *o, int depth, cocin_error_t *err);

static int copy_dir_entries(int sfd, int dfd, const char *shown, const struct cp_opts *o,
                            int depth, cocin_error_t *err)
{
  int scan = dup(sfd);
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
    cleanup_free char *sub = xasprintf("%s/%s", shown, de->d_name);
    if (copy_node(sfd, de->d_name, dfd, de->d_name, sub, o, depth + 1, err) < 0)
      return -1;
  }
  if (errno)
    return cocin_fail_errno(err, "cp: read %s", shown);
  return 0;
}

/* sname in sdir (never followed) to dname in ddir: a file, a directory
 * and what it holds, or a symlink as a symlink */
static int copy_node(int sdir, const char *sname, int ddir, const char *dname, const char *shown,
                     const struct cp_opts *o, int depth, cocin_error_t *err)
{
  if (depth > 256)
    return cocin_fail(err, ELOOP, "cp: %s: nested too deep", shown);
  struct stat st;
  if (fstatat(sdir, sname, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return cocin_fail_errno(err, "cp: %s", shown);
  if (S_ISREG(st.st_mode)) {
    cleanup_close int in = openat(sdir, sname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (in < 0)
      return cocin_fail_errno(err, "cp: open %s", shown);
    /* an existing file is written over (its own mode kept until ours is
     * set); anything else there first goes, as docker's tar would */
    cleanup_close int out = openat(ddir, dname, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                                   0600);
    if (out < 0 && (errno == EISDIR || errno == ELOOP || errno == ENXIO)) {
      if (unlinkat(ddir, dname, 0) < 0 && errno == EISDIR)
        return cocin_fail(err, EISDIR, "cp: cannot overwrite directory %s with a file", dname);
      out = openat(ddir, dname, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    }
    if (out < 0)
      return cocin_fail_errno(err, "cp: create %s", dname);
    if (copy_data(in, out, dname, err) < 0)
      return -1;
    copy_meta(out, -1, NULL, &st, o);
    return 0;
  }
  if (S_ISDIR(st.st_mode)) {
    cleanup_close int sfd = openat(sdir, sname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sfd < 0)
      return cocin_fail_errno(err, "cp: open %s", shown);
    if (mkdirat(ddir, dname, 0700) < 0 && errno != EEXIST)
      return cocin_fail_errno(err, "cp: mkdir %s", dname);
    cleanup_close int dfd = openat(ddir, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0)
      return errno == ENOTDIR || errno == ELOOP
                 ? cocin_fail(err, ENOTDIR, "cp: cannot overwrite non-directory %s with a directory",
                              dname)
                 : cocin_fail_errno(err, "cp: open %s", dname);
    if (copy_dir_entries(sfd, dfd, shown, o, depth, err) < 0)
      return -1;
    copy_meta(dfd, -1, NULL, &st, o);
    return 0;
  }
  if (S_ISLNK(st.st_mode)) {
    char target[PATH_MAX];
    ssize_t n = readlinkat(sdir, sname, target, sizeof(target) - 1);
    if (n < 0)
      return cocin_fail_errno(err, "cp: readlink %s", shown);
    target[n] = '\0';
    if (symlinkat(target, ddir, dname) < 0 && errno == EEXIST &&
        (unlinkat(ddir, dname, 0) < 0 || symlinkat(target, ddir, dname) < 0))
      return cocin_fail_errno(err, "cp: symlink %s", dname);
    copy_meta(-1, ddir, dname, &st, o);
    return 0;
  }
  return cocin_fail(err, ENOTSUP, "cp: %s: a device, FIFO or socket is not copied", shown);
}

/* docker's rules for where SRC goes: into DST if DST is a directory
 * (SRC's contents only, for a directory ending in "/."), else DST itself
 * (whose parent must exist; a DST ending in "/" must be a directory). */
static int copy_paths(const char *src, const char *dst, const struct cp_opts *o,
                      cocin_error_t *err)
{
  size_t sl = strlen(src);
  bool contents = sl >= 2 && !strcmp(src + sl - 2, "/.");
  cleanup_free char *sdir = NULL, *sbase = NULL;
  split_path(src, &sdir, &sbase);
  cleanup_close int sdfd = open_at(o->src_root, sdir, O_RDONLY | O_DIRECTORY);
  if (sdfd < 0)
    return cocin_fail_errno(err, "cp: %s", src);
  /* -L: the source's own last symlink is followed (in its root) */
  cleanup_close int followed = -1;
  if (o->follow) {
    followed = open_at(o->src_root, src, O_PATH);
    if (followed < 0)
      return cocin_fail_errno(err, "cp: %s", src);
  }
  struct stat st;
  if (followed >= 0 ? fstat(followed, &st) < 0
                    : (contents ? fstatat(sdfd, sbase, &st, 0)
                                : fstatat(sdfd, sbase, &st, AT_SYMLINK_NOFOLLOW)) < 0)
    return cocin_fail_errno(err, "cp: %s", src);
  if (contents && !S_ISDIR(st.st_mode))
    return cocin_fail(err, ENOTDIR, "cp: %s: not a directory", src);
  /* where it goes */
  size_t dl = strlen(dst);
  bool want_dir = dl > 0 && dst[dl - 1] == '/';
  cleanup_close int dfd_whole = open_at(o->dst_root, dst, O_RDONLY | O_DIRECTORY);
  int into = -1;
  cleanup_free char *dname = NULL;
  cleanup_close int ddir = -1;
  if (dfd_whole >= 0 && !contents) { /* into the directory, under SRC's name */
    into = dfd_whole;
    dname = xstrdup(sbase);
  } else if (dfd_whole >= 0) {
    into = dfd_whole;
  } else {
    if (errno != ENOENT && errno != ENOTDIR)
      return cocin_fail_errno(err, "cp: %s", dst);
    if (want_dir && (errno == ENOTDIR || !S_ISDIR(st.st_mode)))
      return cocin_fail(err, ENOENT, "cp: %s: no such directory", dst);
    cleanup_free char *pdir = NULL;
    split_path(dst, &pdir, &dname);
    ddir = open_at(o->dst_root, pdir, O_RDONLY | O_DIRECTORY);
    if (ddir < 0)
      return cocin_fail_errno(err, "cp: %s", pdir);
    into = ddir;
    if (S_ISDIR(st.st_mode)) {
      struct stat dst_st;
      if (fstatat(ddir, dname, &dst_st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(dst_st.st_mode))
        return cocin_fail(err, ENOTDIR, "cp: cannot copy a directory to a file: %s", dst);
      contents = true; /* a new directory of that name, with SRC's contents */
      if (mkdirat(ddir, dname, 0700) < 0 && errno != EEXIST)
        return cocin_fail_errno(err, "cp: mkdir %s", dst);
      int nd = openat(ddir, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (nd < 0)
        return cocin_fail_errno(err, "cp: open %s", dst);
      close(steal_fd(ddir));
      ddir = nd;
      into = ddir;
    }
  }
  if (!S_ISDIR(st.st_mode) && (followed >= 0 || S_ISREG(st.st_mode))) {
    /* a file (or what -L's symlink points to): written to DST's path, a
     * symlink there followed as the container would follow it */
    char self[64];
    snprintf(self, sizeof(self), "/proc/self/fd/%d", followed);
    cleanup_close int in = followed >= 0 ? open(self, O_RDONLY | O_CLOEXEC)
                                         : openat(sdfd, sbase, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (in < 0)
      return cocin_fail_errno(err, "cp: open %s", src);
    if (!S_ISREG(st.st_mode))
      return cocin_fail(err, ENOTSUP, "cp: %s: a device, FIFO or socket is not copied", src);
    cleanup_free char *target = dfd_whole >= 0 ? xasprintf("%s/%s", dst, sbase) : xstrdup(dst);
    cleanup_close int out = open_at(o->dst_root, target, O_WRONLY | O_CREAT | O_TRUNC);
    if (out < 0)
      return errno == EISDIR ? cocin_fail(err, EISDIR, "cp: cannot overwrite directory %s with a "
                                          "file", target)
                             : cocin_fail_errno(err, "cp: create %s", target);
    if (copy_data(in, out, target, err) < 0)
      return -1;
    copy_meta(out, -1, NULL, &st, o);
    return 0;
  }
  if (contents) { /* what the directory holds, into `into` */
    cleanup_close int sfd = followed >= 0 ? open_at(o->src_root, src, O_RDONLY | O_DIRECTORY)
                                          : openat(sdfd, sbase, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sfd < 0)
      return cocin_fail_errno(err, "cp: open %s", src);
    if (copy_dir_entries(sfd, into, src, o, 0, err) < 0)
      return -1;
    copy_meta(into, -1, NULL, &st, o);
    return 0;
  }
  if (followed >= 0) { /* a symlink to a directory, copied as the directory */
    cleanup_close int sfd = open_at(o->src_root, src, O_RDONLY | O_DIRECTORY);
    if (sfd < 0)
      return cocin_fail_errno(err, "cp: open %s", src);
    if (mkdirat(into, dname, 0700) < 0 && errno != EEXIST)
      return cocin_fail_errno(err, "cp: mkdir %s", dname);
    cleanup_close int nd = openat(into, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (nd < 0)
      return cocin_fail_errno(err, "cp: open %s", dname);
    if (copy_dir_entries(sfd, nd, src, o, 0, err) < 0)
      return -1;
    copy_meta(nd, -1, NULL, &st, o);
    return 0;
  }
  return copy_node(sdfd, sbase, into, dname, src, o, 0, err);
}

/* "NAME:PATH": the container's part, or NULL for a host path (a path
 * with a '/' before its first ':' is the host's, as docker reads it) */
static char *container_part(const char *arg, const char **path)
{
  const char *colon = strchr(arg, ':');
  if (colon == NULL || colon == arg || memchr(arg, '/', (size_t)(colon - arg)))
    return NULL;
  *path = colon + 1;
  char *name = strndup(arg, (size_t)(colon - arg));
  if (name == NULL)
    abort();
  return name;
}

/* the container's path, absolute: a relative one is from its working
 * directory, as docker takes it */
static char *in_container(const cJSON *cfg, const char *path)
{
  if (path[0] == '/')
    return xstrdup(path);
  const char *wd = cj_str(cfg, "workdir");
  if (wd == NULL || wd[0] != '/')
    wd = "/";
  size_t n = strlen(wd);
  return xasprintf("%s%s%s", wd, n && wd[n - 1] == '/' ? "" : "/", path[0] ? path : ".");
}

/* A container that does not run: its layers, read-write, in a mount
 * namespace of a child's own, while the container's lock is held; the
 * child copies, unmounts (synchronously: no second overlay may share the
 * work directory once the lock is let go), and says how it went. */
static int copy_stopped(const char *root, const char *name, const cJSON *cfg, const char *src,
                        const char *dst, struct cp_opts *o, bool into, cocin_error_t *err)
{
  const char *image = cj_str(cfg, "image");
  cleanup_free char *rootfs = NULL;
  cleanup_close int hold = -1;
  if (image == NULL || cocin_image_hold(root, image, &rootfs, &hold, err) < 0)
    return image ? -1 : cocin_fail(err, EIO, "cp: container %s has no image recorded", name);
  cleanup_free char *dir = cocin_container_dir(root, name);
  cleanup_free char *upper = cocin_container_file(root, name, "upper");
  cleanup_free char *work = cocin_container_file(root, name, "work");
  cleanup_free char *opts =
      xasprintf("lowerdir=%s,upperdir=%s,workdir=%s", rootfs, upper, work);
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) < 0)
    return cocin_fail_errno(err, "cp: pipe");
  cleanup_close int rd = pipefd[0];
  cleanup_close int wr = pipefd[1];
  pid_t pid = fork();
  if (pid < 0)
    return cocin_fail_errno(err, "cp: fork");
  if (pid == 0) {
    close(rd);
    cocin_error_t e = NULL;
    int r = -1;
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
      cocin_fail_errno(&e, "cp: a mount namespace");
    else if (mount("overlay", dir, "overlay", MS_NODEV | MS_NOSUID, opts) < 0)
      cocin_fail_errno(&e, "cp: mount the container's layers");
    else {
      int croot = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (croot < 0) {
        cocin_fail_errno(&e, "cp: open the container's root");
      } else {
        if (into)
          o->dst_root = croot;
        else
          o->src_root = croot;
        r = copy_paths(src, dst, o, &e);
        close(croot);
      }
      if (umount2(dir, 0) < 0 && r == 0)
        r = cocin_fail_errno(&e, "cp: unmount the container's layers");
    }
    if (r < 0)
      dprintf(wr, "%d\n%s", cocin_error_status(&e), cocin_error_msg(&e));
    _exit(r < 0 ? 1 : 0);
  }
  close(steal_fd(wr));
  char buf[1024];
  size_t have = 0;
  for (;;) {
    ssize_t n = read(rd, buf + have, sizeof(buf) - 1 - have);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    have += (size_t)n;
    if (have == sizeof(buf) - 1)
      break;
  }
  buf[have] = '\0';
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return 0;
  char *nl = strchr(buf, '\n');
  if (nl == NULL)
    return cocin_fail(err, EIO, "cp: the copying process died");
  return cocin_fail(err, atoi(buf) ? atoi(buf) : EIO, "%s", nl + 1);
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
  struct cp_opts o = {archive, follow, -1, -1};
  for (int tries = 0;; tries++) {
    cJSON *cfg = NULL;
    if (cocin_state_load(root, name, &cfg, err) < 0)
      return -1;
    cleanup_free char *cpath = in_container(cfg, into ? dpath : spath);
    const char *st = cj_str(cfg, "status");
    int r;
    if (st && !strcmp(st, "running")) {
      /* its init's root, while it runs (no lock: a long copy must not
       * hold up its stop, or its monitor recording its exit) */
      cleanup_close int pfd = pidfd_open_checked((pid_t)cj_int(cfg, "pid", 0),
                                                 (uint64_t)cj_int(cfg, "pidStartTime", 0));
      char proot[64];
      snprintf(proot, sizeof(proot), "/proc/%d/root", (int)cj_int(cfg, "pid", 0));
      cleanup_close int croot = pfd >= 0 ? open(proot, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
      /* still that process (the pidfd holds it): then that is its root */
      if (croot >= 0 && sys_pidfd_send_signal(pfd, 0) < 0)
        close(steal_fd(croot));
      if (croot < 0) {
        cJSON_Delete(cfg);
        if (tries < 3)
          continue; /* it ended meanwhile: its layers, then */
        return cocin_fail(err, ESRCH, "cp: container %s: its root could not be opened", name);
      }
      if (into)
        o.dst_root = croot;
      else
        o.src_root = croot;
      r = copy_paths(into ? src : cpath, into ? cpath : dst, &o, err);
      cJSON_Delete(cfg);
      return r;
    }
    cJSON_Delete(cfg);
    /* not running: looked at again under its lock, held while its layers
     * are mounted (no start claims it, no rm removes it meanwhile) */
    cleanup_close int lock = cocin_state_lock(root, name, err);
    if (lock < 0 || cocin_state_load_raw(root, name, &cfg, err) < 0)
      return -1;
    st = cj_str(cfg, "status");
    if (st && !strcmp(st, "running") && tries < 3) {
      cJSON_Delete(cfg);
      continue; /* started meanwhile */
    }
    if (st && (!strcmp(st, "running") || (!strcmp(st, "created") && !cocin_state_is_new(cfg))))
      r = cocin_fail(err, EBUSY, "cp: container %s is starting", name);
    else if (cj_bool(cfg, "removeRequested"))
      r = cocin_fail(err, EBUSY, "cp: container %s is being removed", name);
    else
      r = copy_stopped(root, name, cfg, into ? src : cpath, into ? cpath : dst, &o, into, err);
    cJSON_Delete(cfg);
    return r;
  }
}
