/* cocinfs — the /cocin filesystem: containers as directories, control
 * files to drive them.
 *
 *   cocinfs [--root DIR] [--foreground|-f] [--allow-other] [--debug] [MOUNTPOINT]
 *
 * It keeps no container state of its own: kill -9 it and start it again
 * on the same mountpoint (a dead mount left behind is cleared first). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <fuse.h>

#include "cocin-config.h"
#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/state.h"
#include "cocin/util.h"
#include "cocinfs.h"

#define DEFAULT_MOUNTPOINT "/cocin"

static const char usage_text[] =
    "Usage: cocinfs [OPTIONS] [MOUNTPOINT]\n\n"
    "Mount the cocin filesystem at MOUNTPOINT (default " DEFAULT_MOUNTPOINT "):\n"
    "  ctl                 write 'run ...', 'stop ...', 'kill ...', 'rm ...'\n"
    "  <name>/             config.json status container.log ctl exec wait stats\n\n"
    "Options:\n"
    "  --root DIR          state root (default $COCIN_ROOT or " COCIN_DEFAULT_ROOT ")\n"
    "  -f, --foreground    do not go into the background\n"
    "  --allow-other       let other users read (ctl and exec stay root's)\n"
    "  --debug             print every FUSE request (implies --foreground)\n"
    "  -h, --help          this text\n"
    "  --version           print the version\n";

struct options {
  const char *root;
  const char *mountpoint;
  bool foreground, allow_other, debug;
};

static int parse_args(int argc, char **argv, struct options *o)
{
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--root") && i + 1 < argc) {
      o->root = argv[++i];
    } else if (!strncmp(a, "--root=", 7)) {
      o->root = a + 7;
    } else if (!strcmp(a, "-f") || !strcmp(a, "--foreground")) {
      o->foreground = true;
    } else if (!strcmp(a, "--allow-other")) {
      o->allow_other = true;
    } else if (!strcmp(a, "-d") || !strcmp(a, "--debug")) {
      o->debug = o->foreground = true;
    } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(usage_text, stdout);
      exit(0);
    } else if (!strcmp(a, "--version")) {
      printf("cocinfs %s\n", COCIN_VERSION);
      exit(0);
    } else if (a[0] == '-' || o->mountpoint) {
      fprintf(stderr, "cocinfs: unexpected argument \"%s\"\n%s", a, usage_text);
      return -1;
    } else {
      o->mountpoint = a;
    }
  }
  if (o->mountpoint == NULL)
    o->mountpoint = DEFAULT_MOUNTPOINT;
  return 0;
}

#ifndef FUSE_SUPER_MAGIC
#define FUSE_SUPER_MAGIC 0x65735546
#endif

/* 1 when mnt is a mount point of its own (not a directory of its
 * parent's), 0 when not, -1 with errno when it cannot be told */
static int mount_point(const char *mnt)
{
  struct stat here, up;
  cleanup_free char *parent = xasprintf("%s/..", mnt);
  if (stat(mnt, &here) < 0 || stat(parent, &up) < 0)
    return -1;
  return here.st_dev != up.st_dev;
}

/* A request to a dead daemon fails with ENOTCONN; one it had not
 * answered when it died, with ECONNABORTED. */
static bool dead_mount(int e)
{
  return e == ENOTCONN || e == ECONNABORTED;
}

/* A daemon killed with -9 leaves its mount behind, answering ENOTCONN:
 * detach it (each of them, should several be stacked) so the new one can
 * take its place.  A live one is not mounted over: for a moment it may be
 * one still dying, then it is a running daemon's. */
static int prepare_mountpoint(const char *mnt, char **abs, cocin_error_t *err)
{
  for (int dead = 0, live = 0;;) {
    /* statfs always asks the daemon (a stat may be answered from the
     * kernel's cache): a dead one's mount says ENOTCONN */
    struct statfs sf;
    int r = statfs(mnt, &sf);
    if (r < 0 && dead_mount(errno)) {
      if (++dead > 64 || umount2(mnt, MNT_DETACH) < 0)
        return cocin_fail_errno(err, "clear the dead mount at %s", mnt);
      continue;
    }
    if (r < 0 || sf.f_type != FUSE_SUPER_MAGIC)
      break;
    /* a daemon killed just after it answered statfs is dead by now: it
     * is seen again above (taken for "no mount", it was mounted over and
     * stayed stacked under the new one) */
    int mp = mount_point(mnt);
    if (mp < 0 && dead_mount(errno))
      continue;
    if (mp <= 0)
      break;
    if (++live > 40)
      return cocin_fail(err, EBUSY,
                        "%s is mounted already, by a daemon that runs (unmount it first: "
                        "fusermount3 -u %s)",
                        mnt, mnt);
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  if (mkdir_p(mnt, 0755, err) < 0)
    return -1;
  *abs = realpath(mnt, NULL);
  if (*abs == NULL)
    return cocin_fail_errno(err, "mountpoint %s", mnt);
  return 0;
}

static int prepare_root(const char *arg, char **abs, cocin_error_t *err)
{
  const char *root = cocin_root_resolve(arg);
  if (mkdir_p(root, 0700, err) < 0)
    return -1;
  *abs = realpath(root, NULL); /* the daemon works from / */
  if (*abs == NULL)
    return cocin_fail_errno(err, "state root %s", root);
  return 0;
}


int main(int argc, char **argv)
{
  /* 0, 1 and 2 taken (by /dev/null if we were started without them):
   * none of our own descriptors may land there (a child's stdio is dup2'd
   * onto them; an exec's lifeline on 0 would read as its end) */
  cocin_stdio_ensure();
  struct options o = {0};
  cleanup_error cocin_error_t err = NULL;
  cleanup_free char *root = NULL, *mnt = NULL, *opts = NULL;
  if (parse_args(argc, argv, &o) < 0)
    return 2;
  /* start clean whatever the starting shell ignored or blocked */
  cocin_reset_signals();
  if (prepare_root(o.root, &root, &err) < 0 || prepare_mountpoint(o.mountpoint, &mnt, &err) < 0) {
    fprintf(stderr, "cocinfs: %s\n", cocin_error_msg(&err));
    return 1;
  }
  struct fs_ctx ctx = {
      .root = root, .uid = geteuid(), .gid = getegid(), .log_links = !o.allow_other};

  opts = xasprintf("default_permissions,fsname=cocinfs,subtype=cocinfs%s",
                   o.allow_other ? ",allow_other" : "");
  char *fargv[] = {argv[0], "-o", opts, o.debug ? "-d" : NULL, NULL};
  struct fuse_args args = FUSE_ARGS_INIT(o.debug ? 4 : 3, fargv);
  struct fuse *f = fuse_new(&args, &fs_ops, sizeof(fs_ops), &ctx);
  if (f == NULL) {
    fprintf(stderr, "cocinfs: cannot set up the filesystem\n");
    return 1;
  }
  int rc = 1;
  if (fuse_mount(f, mnt) < 0) {
    fprintf(stderr, "cocinfs: cannot mount %s\n", mnt);
    goto out_destroy;
  }
  if (fuse_daemonize(o.foreground) < 0)
    goto out_unmount;
  struct fuse_session *se = fuse_get_session(f);
  if (fuse_set_signal_handlers(se) < 0)
    goto out_unmount;
  struct fuse_loop_config *lc = fuse_loop_cfg_create();
  if (lc == NULL)
    goto out_signals;
  fuse_loop_cfg_set_clone_fd(lc, 0);
  /* a ctl writer's signal ends its stop's wait (only FUSE threads stop) */
  cocin_set_interrupted(fs_interrupted);
  fuse_loop_cfg_set_idle_threads(lc, 10);
  fuse_loop_cfg_set_max_threads(lc, FS_MAX_THREADS);
  rc = fuse_loop_mt(f, lc) == 0 ? 0 : 1;
  fuse_loop_cfg_destroy(lc);
out_signals:
  fuse_remove_signal_handlers(se);
out_unmount:
  fuse_unmount(f);
out_destroy:
  fuse_destroy(f);
  fuse_opt_free_args(&args);
  return rc;
}
