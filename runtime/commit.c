/* cocin — commit and export: a container's root filesystem as docker
 * reads it for them: what the container's image holds, with the
 * container's changes on top.  Its volumes, /proc, /sys, /dev and the
 * files cocin binds in (hostname, hosts, resolv.conf) are not part of it:
 * only the layers are read.
 *
 * A child in a mount namespace of its own sees the layers.  A container
 * that does not run has them mounted read-only, the upper layer over its
 * image ("lowerdir=UPPER:IMAGE": overlayfs reads the whiteouts and opaque
 * directories of the upper one as a lower layer's).  A running
 * container's layers are in use by its own overlay, which no second one
 * may share: the child enters its mount namespace and clones that
 * overlay's mount alone (open_tree, not recursive: nothing mounted on it
 * comes along).  A running container is paused meanwhile, as docker
 * pauses it, so that what is read is of one moment, and its lock is held
 * (no stop, rm or start under the reading).
 *
 * commit: cocin's images are plain directories (no layers of their own),
 * so the new one is a copy, owners, modes, extended attributes and hard
 * links kept (cp -a); it appears whole or not at all (built aside, then
 * renamed into images/).  export: the host's tar writes the tree (as
 * docker export does, a tarball import takes back). */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/state.h"
#include "cocin/util.h"
#include "internal.h"

/* What a job is given: the container's layers, one way or the other. */
struct layers {
  const char *verb; /* "commit", "export": for messages */
  const char *name, *id;
  const char *opts; /* the overlay's, for a container that does not run */
  int pidfd;        /* the init of one that runs, or -1 */
};

/* The container's root filesystem without what is mounted on it: a
 * running one's own overlay, cloned alone (not its volumes, /proc, /dev
 * or bound files) in its mount namespace, and attached at mnt when attach
 * (a path for a program to read); else its layers, mounted read-only at
 * mnt.  An fd of it; -1 with *err.  In the child's mount namespace. */
static int layers_root(const struct layers *l, const char *mnt, bool attach, cocin_error_t *err)
{
  if (l->pidfd >= 0) {
    /* in and out again: a copy reopens files through our /proc */
    cleanup_close int ours = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
    if (ours < 0)
      return cocin_fail_errno(err, "%s: open our mount namespace", l->verb);
    if (setns(l->pidfd, CLONE_NEWNS) < 0) /* our root: its root */
      return cocin_fail_errno(err, "%s: enter the container's mount namespace", l->verb);
    cleanup_close int fd = open_tree(AT_FDCWD, "/", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (fd < 0)
      return cocin_fail_errno(err, "%s: the container's root", l->verb);
    struct statfs fs;
    if (setns(ours, CLONE_NEWNS) < 0 || fstatfs(fd, &fs) < 0)
      return cocin_fail_errno(err, "%s: back to our mount namespace", l->verb);
    /* its root is its overlay, unless it mounted something over it (one
     * with the right to): that is not its layers, and may never answer */
    if (fs.f_type != OVERLAYFS_SUPER_MAGIC)
      return cocin_fail(err, EPERM, "%s: the container's root is no longer its layers (a "
                                    "mount over it): stop it, then %s",
                        l->verb, l->verb);
    if (attach && move_mount(fd, "", AT_FDCWD, mnt, MOVE_MOUNT_F_EMPTY_PATH) < 0)
      return cocin_fail_errno(err, "%s: attach the container's root", l->verb);
    return steal_fd(fd);
  }
  if (mount("overlay", mnt, "overlay", MS_RDONLY | MS_NOSUID | MS_NODEV, l->opts) < 0)
    return cocin_fail_errno(err, "%s: mount the container's layers", l->verb);
  int fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  return fd >= 0 ? fd : cocin_fail_errno(err, "%s: open %s", l->verb, mnt);
}

/* ---- commit ---- */

struct commit {
  const struct layers *l;
  const char *tmp; /* the image being built */
};

/* in the child's mount namespace */
static int commit_copy(void *ctx, cocin_error_t *err)
{
  const struct commit *c = ctx;
  cleanup_free char *mnt = xasprintf("%s/layers", c->tmp);
  cleanup_free char *rootfs = xasprintf("%s/rootfs", c->tmp);
  if (mkdir(rootfs, 0700) < 0 || mkdir(mnt, 0700) < 0)
    return cocin_fail_errno(err, "commit: mkdir in %s", c->tmp);
  /* opened before a setns, which leaves the host's paths behind */
  cleanup_close int to = open(rootfs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (to < 0)
    return cocin_fail_errno(err, "commit: open %s", rootfs);
  int r;
  {
    cleanup_close int from = layers_root(c->l, mnt, false, err);
    r = from < 0 ? -1 : copy_tree(from, to, true, err);
  }
  /* (nothing of it left open: gone at once) */
  if (c->l->pidfd < 0 && umount2(mnt, MNT_DETACH) < 0 && errno != EINVAL && r == 0)
    r = cocin_fail_errno(err, "commit: unmount the container's layers");
  if (rmdir(mnt) < 0 && r == 0)
    r = cocin_fail_errno(err, "commit: rmdir %s", mnt);
  return r;
}

static int commit_build(const char *tmp, const void *data, cocin_error_t *err)
{
  struct commit c = {data, tmp};
  return in_mount_ns(commit_copy, &c, &c.l->pidfd, 1, "commit", err);
}

struct commit_job {
  const char *root, *image;
};

static int commit_job(const struct layers *l, void *ctx, cocin_error_t *err)
{
  const struct commit_job *j = ctx;
  cleanup_free char *source = xasprintf("commit of container %s (%.12s)", l->name, l->id);
  /* an image of that name is replaced, as docker moves the tag */
  return install_image(j->root, j->image, source, commit_build, l, true, err) < 0 ? -1 : 0;
}

/* ---- export ---- */

struct export {
  const struct layers *l;
  const char *mnt; /* the container's directory: covered in our namespace alone */
  int out;
};

static int export_tar(void *ctx, cocin_error_t *err)
{
  const struct export *x = ctx;
  cleanup_close int root = layers_root(x->l, x->mnt, true, err);
  if (root < 0)
    return -1;
  /* numeric owners (the image's, not the host's names), extended
   * attributes (file capabilities); symlinks as symlinks, nodes as nodes.
   * A running container is not paused: a file that changed as tar read
   * it is no failure (status 1); sockets are left out, saying nothing */
  char *const argv[] = {(char *)"tar",
                        (char *)"--numeric-owner",
                        (char *)"--xattrs",
                        (char *)"--xattrs-include=*",
                        (char *)"--warning=no-file-changed",
                        (char *)"--warning=no-file-ignored",
                        (char *)"--warning=no-file-removed",
                        (char *)"-C",
                        (char *)x->mnt,
                        (char *)"-cf",
                        (char *)"-",
                        (char *)".",
                        NULL};
  return spawn_wait(argv, x->out, 1, err) < 0 ? cocin_error_wrap(err, "export") : 0;
}

struct export_job {
  const char *root;
  int out;
};

static int export_job(const struct layers *l, void *ctx, cocin_error_t *err)
{
  const struct export_job *j = ctx;
  cleanup_free char *dir = cocin_container_dir(j->root, l->name);
  struct export x = {l, dir, j->out};
  int keep[] = {j->out, l->pidfd};
  return in_mount_ns(export_tar, &x, keep, 2, "export", err);
}

/* ---- both ---- */

/* The signals that end a command or stop it, held off while the container
 * is paused for us: a command cut short would leave it frozen.  The
 * children that do the work take them as they come (the work stops), and
 * we act on them once the container is thawed. */
static void hold_signals(bool hold, sigset_t *old)
{
  if (hold) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGQUIT);
    sigaddset(&set, SIGTSTP);
    pthread_sigmask(SIG_BLOCK, &set, old);
  } else {
    pthread_sigmask(SIG_SETMASK, old, NULL);
  }
}

/* Under the container's lock (no rm, stop or start meanwhile; the lock
 * first, then its layers', as a stopped container's cp takes them):
 * job(l), l the overlay of a running container (pidfd) or else its
 * layers.  keep_running_lock false: a running container's lock is let go
 * before the job (export streams for as long as its reader reads; the
 * clone keeps the overlay, and the layers' lock a start, meanwhile). */
static int under_lock(const char *root, const char *id, struct layers *l, bool keep_running_lock,
                      int (*job)(const struct layers *l, void *ctx, cocin_error_t *err),
                      void *ctx, cocin_error_t *err)
{
  for (int tries = 0;; tries++) {
    cleanup_close int lock = cocin_state_lock(root, l->name, err);
    cJSON *cfg = NULL;
    if (lock < 0 || cocin_state_load_raw(root, l->name, &cfg, err) < 0)
      return -1;
    if (cocin_state_check_id(cfg, id, NULL) < 0) { /* removed since, and the name taken */
      cJSON_Delete(cfg);
      return cocin_fail(err, ENOENT, "no such container: %s", l->name);
    }
    const char *st = cj_str(cfg, "status");
    if (st && !strcmp(st, "created") && !cocin_state_is_new(cfg)) {
      cJSON_Delete(cfg);
      return cocin_fail(err, EBUSY, "%s: container %s is starting: %s it once it runs", l->verb,
                        l->name, l->verb);
    }
    bool running = st && !strcmp(st, "running");
    cleanup_close int pidfd = running ? pidfd_open_checked((pid_t)cj_int(cfg, "pid", 0),
                                                           (uint64_t)cj_int(cfg, "pidStartTime", 0))
                                      : -1;
    if (running && pidfd < 0 && tries < 3) {
      /* it ended, and its monitor waits for the lock to record it */
      close(steal_fd(lock));
      wait_last_monitor(cfg);
      cJSON_Delete(cfg);
      continue;
    }
    if (pidfd < 0) /* its last run's mounts gone with its monitor */
      wait_last_monitor(cfg);
    cJSON_Delete(cfg);
    cleanup_close int layers = layers_lock(root, l->name, false);
    if (layers < 0)
      return cocin_fail_errno(err, "%s: the layers of %s", l->verb, l->name);
    if (pidfd >= 0 && !keep_running_lock)
      close(steal_fd(lock));
    l->pidfd = pidfd;
    return job(l, ctx, err);
  }
}

/* job with the layers of container name (id's, if given; renamed since,
 * it is followed), *mine its id; pause: a running container is paused
 * meanwhile (commit: what is read is of one moment) */
static int with_layers(const char *root, const char *name, const char *id, const char *verb,
                       bool pause, char **mine,
                       int (*job)(const struct layers *l, void *ctx, cocin_error_t *err),
                       void *ctx, cocin_error_t *err)
{
  cleanup_free char *now = cocin_state_follow(root, name, id); /* renamed since */
  cJSON *cfg = NULL;
  if (cocin_state_load(root, now, &cfg, err) < 0)
    return -1;
  if (cocin_state_check_id(cfg, id, NULL) < 0) {
    cJSON_Delete(cfg);
    return cocin_fail(err, ENOENT, "no such container: %s", now);
  }
  *mine = xstrdup(cj_str(cfg, "id") ? cj_str(cfg, "id") : "");
  cleanup_free char *from = recorded_image(cfg, verb, now, err);
  cJSON_Delete(cfg);
  if (from == NULL)
    return -1;
  /* its image stays while we read it (rmi waits) */
  cleanup_free char *rootfs = NULL;
  cleanup_close int hold = -1;
  if (cocin_image_hold(root, from, &rootfs, &hold, err) < 0)
    return cocin_error_wrap(err, "%s: container %s", verb, now);
  cleanup_free char *upper = cocin_container_file(root, now, "upper");
  if (check_overlay_path(upper, err) < 0 || check_overlay_path(rootfs, err) < 0)
    return cocin_error_wrap(err, "%s", verb);
  cleanup_free char *opts = xasprintf("lowerdir=%s:%s", upper, rootfs);
  struct layers l = {verb, now, *mine, opts, -1};
  if (!pause)
    return under_lock(root, *mine, &l, false, job, ctx, err);
  /* paused meanwhile if it runs (one paused already stays so; one without
   * a freezer is read as it goes) */
  char token[65];
  if (cocin_random_id(token, err) < 0)
    return cocin_error_wrap(err, "%s", verb);
  token[16] = '\0';
  sigset_t old;
  hold_signals(true, &old);
  cocin_error_t perr = NULL;
  bool paused = pause_held(root, now, *mine, true, token, &perr) == 0;
  int pe = paused ? 0 : cocin_error_status(&perr);
  if (!paused) /* nothing of it frozen by us: the signals act as ever */
    hold_signals(false, &old);
  if (!paused && pe != ESRCH && pe != EALREADY && pe != ENOTSUP) {
    if (err && *err == NULL)
      *err = steal_ptr(perr);
    cocin_error_release(&perr);
    return cocin_error_wrap(err, "%s", verb); /* "pause NAME: ..." */
  }
  cocin_error_release(&perr);
  int r = under_lock(root, *mine, &l, true, job, ctx, err);
  if (paused) {
    (void)pause_held(root, now, *mine, false, token, NULL);
    hold_signals(false, &old);
  }
  return r;
}

int cocin_commit(const char *root, const char *name, const char *id, const char *ref,
                 cocin_error_t *err)
{
  cleanup_free char *image = cocin_image_name(ref, err);
  if (image == NULL)
    return cocin_error_wrap(err, "commit");
  /* one the replacement would be refused for (its own image, say) is
   * said before the copy; install_image looks again at the end */
  if (image_in_use(root, image, err) < 0)
    return cocin_error_wrap(err, "commit");
  image_sweep(root); /* (not while the container is paused) */
  cleanup_free char *mine = NULL;
  struct commit_job j = {root, image};
  return with_layers(root, name, id, "commit", true, &mine, commit_job, &j, err);
}

int cocin_export(const char *root, const char *name, const char *id, int out, cocin_error_t *err)
{
  cleanup_free char *mine = NULL;
  struct export_job j = {root, out};
  /* not paused, as docker's export: it streams for as long as its reader
   * takes (tar says nothing of a file that changed as it read it) */
  return with_layers(root, name, id, "export", false, &mine, export_job, &j, err);
}
