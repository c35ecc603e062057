/* cocin — commit: a new image from a container's root filesystem, as
 * docker commit makes one: what the container's image holds, with the
 * container's changes on top.  Its volumes, /proc, /sys, /dev and the
 * files cocin binds in (hostname, hosts, resolv.conf) are not part of it:
 * only the layers are read.
 *
 * cocin's images are plain directories (no layers of their own), so the
 * new one is a copy.  A child in a mount namespace of its own mounts the
 * two layers read-only, the container's upper layer over its image
 * ("lowerdir=UPPER:IMAGE": overlayfs reads the whiteouts and opaque
 * directories of the upper one as a lower layer's), and copies what that
 * shows into the new image, owners and modes kept (cp -a), hard links
 * kept.  A running
 * container's layers are in use by its own overlay, which no second one
 * may share: the child enters its mount namespace and clones that
 * overlay's mount alone (open_tree, not recursive: nothing mounted on it
 * comes along).  A running container is paused meanwhile, as docker
 * pauses it, so that the copy is of one moment.  The new image appears whole or not at all
 * (built aside, then renamed into images/). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/spec.h"
#include "cocin/state.h"
#include "cocin/util.h"
#include "internal.h"

struct commit {
  const char *opts; /* the overlay's, for a container that does not run */
  int pidfd;        /* the init of one that runs, or -1 */
  const char *tmp;  /* the image being built */
};

/* The container's root filesystem without what is mounted on it: a
 * running one's own overlay, cloned alone (not its volumes, /proc, /dev
 * or bound files) in its mount namespace; else its layers, mounted
 * read-only at mnt (made).  An fd of it; -1 with *err. */
static int layers_root(const struct commit *c, const char *mnt, cocin_error_t *err)
{
  if (c->pidfd >= 0) {
    /* in and out again: the copy reopens files through our /proc */
    cleanup_close int ours = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
    if (ours < 0)
      return cocin_fail_errno(err, "commit: open our mount namespace");
    if (setns(c->pidfd, CLONE_NEWNS) < 0) /* our root: its root */
      return cocin_fail_errno(err, "commit: enter the container's mount namespace");
    int fd = open_tree(AT_FDCWD, "/", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (fd < 0)
      return cocin_fail_errno(err, "commit: the container's root");
    struct statfs fs;
    if (setns(ours, CLONE_NEWNS) < 0 || fstatfs(fd, &fs) < 0) {
      close(fd);
      return cocin_fail_errno(err, "commit: back to our mount namespace");
    }
    /* its root is its overlay, unless it mounted something over it (one
     * with the right to): that is not its layers, and may never answer */
    if (fs.f_type != OVERLAYFS_SUPER_MAGIC) {
      close(fd);
      return cocin_fail(err, EPERM, "commit: the container's root is no longer its layers (a "
                                    "mount over it): stop it, then commit");
    }
    return fd;
  }
  if (mkdir(mnt, 0700) < 0)
    return cocin_fail_errno(err, "commit: mkdir %s", mnt);
  if (mount("overlay", mnt, "overlay", MS_RDONLY | MS_NOSUID | MS_NODEV, c->opts) < 0)
    return cocin_fail_errno(err, "commit: mount the container's layers");
  int fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  return fd >= 0 ? fd : cocin_fail_errno(err, "commit: open %s", mnt);
}

/* in the child's mount namespace */
static int commit_copy(void *ctx, cocin_error_t *err)
{
  const struct commit *c = ctx;
  cleanup_free char *mnt = xasprintf("%s/layers", c->tmp);
  cleanup_free char *rootfs = xasprintf("%s/rootfs", c->tmp);
  if (mkdir(rootfs, 0700) < 0)
    return cocin_fail_errno(err, "commit: mkdir %s", rootfs);
  /* opened before a setns, which leaves the host's paths behind */
  cleanup_close int to = open(rootfs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (to < 0)
    return cocin_fail_errno(err, "commit: open %s", rootfs);
  int r;
  {
    cleanup_close int from = layers_root(c, mnt, err);
    r = from < 0 ? -1 : copy_tree(from, to, true, err);
  }
  if (c->pidfd < 0) { /* (nothing of it left open) */
    if (umount2(mnt, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT && r == 0)
      r = cocin_fail_errno(err, "commit: unmount the container's layers");
    if (rmdir(mnt) < 0 && errno != ENOENT && r == 0)
      r = cocin_fail_errno(err, "commit: rmdir %s", mnt);
  }
  return r;
}

static int commit_build(const char *tmp, const void *data, cocin_error_t *err)
{
  struct commit c = *(const struct commit *)data;
  c.tmp = tmp;
  return in_mount_ns(commit_copy, &c, "commit", err);
}

/* The signals a user ends a command with, held off while the container
 * is paused for us: a commit cut short would leave it frozen.  The copy
 * ends first, then they act. */
static void hold_signals(bool hold, sigset_t *old)
{
  if (hold) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGQUIT);
    pthread_sigmask(SIG_BLOCK, &set, old);
  } else {
    pthread_sigmask(SIG_SETMASK, old, NULL);
  }
}

/* Under the container's lock (no rm, stop or start meanwhile): the new
 * image, from the overlay of a running container (pidfd) or else from
 * its layers (opts). */
static int commit_locked(const char *root, const char *name, const char *id, const char *image,
                         const char *opts, cocin_error_t *err)
{
  cleanup_close int lock = cocin_state_lock(root, name, err);
  cJSON *cfg = NULL;
  if (lock < 0 || cocin_state_load_raw(root, name, &cfg, err) < 0)
    return -1;
  if (cocin_state_check_id(cfg, id, NULL) < 0) { /* removed since, and the name taken */
    cJSON_Delete(cfg);
    return cocin_fail(err, ENOENT, "no such container: %s", name);
  }
  const char *st = cj_str(cfg, "status");
  if (st && !strcmp(st, "created") && !cocin_state_is_new(cfg)) {
    cJSON_Delete(cfg);
    return cocin_fail(err, EBUSY, "commit: container %s is starting: commit it once it runs",
                      name);
  }
  /* running (and frozen, most likely): its own overlay, cloned; else its
   * layers, once its last monitor is gone with their last mount */
  cleanup_close int pidfd = -1;
  if (st && !strcmp(st, "running"))
    pidfd = pidfd_open_checked((pid_t)cj_int(cfg, "pid", 0),
                               (uint64_t)cj_int(cfg, "pidStartTime", 0));
  if (pidfd < 0)
    wait_last_monitor(cfg);
  cJSON_Delete(cfg);
  cleanup_free char *source = xasprintf("commit of container %s (%.12s)", name, id);
  struct commit c = {opts, pidfd, NULL};
  int r = install_image(root, image, source, commit_build, &c, err);
  if (r > 0)
    return cocin_fail(err, EEXIST, "commit: image %s already exists (rmi removes it)", image);
  return r;
}

int cocin_commit(const char *root, const char *name, const char *id, const char *ref,
                 cocin_error_t *err)
{
  cleanup_free char *image = cocin_image_name(ref, err);
  if (image == NULL)
    return cocin_error_wrap(err, "commit");
  cleanup_free char *idir = xasprintf("%s/images/%s", root, image);
  if (path_exists(idir))
    return cocin_fail(err, EEXIST, "commit: image %s already exists (rmi removes it)", image);
  cleanup_free char *now = cocin_state_follow(root, name, id); /* renamed since */
  name = now;
  cJSON *cfg = NULL;
  if (cocin_state_load(root, name, &cfg, err) < 0)
    return -1;
  if (cocin_state_check_id(cfg, id, NULL) < 0) {
    cJSON_Delete(cfg);
    return cocin_fail(err, ENOENT, "no such container: %s", name);
  }
  cleanup_free char *mine = xstrdup(cj_str(cfg, "id") ? cj_str(cfg, "id") : "");
  cleanup_free char *from = recorded_image(cfg, "commit", name, err);
  cJSON_Delete(cfg);
  if (from == NULL)
    return -1;
  int r;
  /* its image stays while we read it (rmi waits), and so do its layers
   * (a start or a stopped container's cp, which mount them read-write,
   * wait) */
  cleanup_free char *rootfs = NULL;
  cleanup_close int hold = -1;
  if (cocin_image_hold(root, from, &rootfs, &hold, err) < 0)
    return cocin_error_wrap(err, "commit: container %s", name);
  cleanup_close int layers = layers_lock(root, name, false);
  if (layers < 0)
    return cocin_fail_errno(err, "commit: the layers of %s", name);
  cleanup_free char *upper = cocin_container_file(root, name, "upper");
  if (check_overlay_path(upper, err) < 0 || check_overlay_path(rootfs, err) < 0)
    return cocin_error_wrap(err, "commit");
  cleanup_free char *opts = xasprintf("lowerdir=%s:%s", upper, rootfs);
  /* paused meanwhile if it runs (one paused already stays so; one without
   * a freezer is copied as it goes) */
  sigset_t old;
  hold_signals(true, &old);
  cocin_error_t perr = NULL;
  bool paused = cocin_pause(root, name, mine, true, &perr) == 0;
  int pe = paused ? 0 : cocin_error_status(&perr);
  if (!paused && pe != ESRCH && pe != EALREADY && pe != ENOTSUP) {
    hold_signals(false, &old);
    if (err && *err == NULL)
      *err = steal_ptr(perr);
    cocin_error_release(&perr);
    return cocin_error_wrap(err, "commit"); /* "pause NAME: ..." */
  }
  cocin_error_release(&perr);
  r = commit_locked(root, name, mine, image, opts, err);
  if (paused)
    (void)cocin_pause(root, name, mine, false, NULL);
  hold_signals(false, &old);
  return r;
}
