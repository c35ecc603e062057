/* cocin — images: a root filesystem directory plus a small JSON.
 * `busybox` is built on first use from the host's static busybox. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cocin-config.h"
#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/state.h"
#include "cocin/util.h"
#include "internal.h"

static char *image_dir(const char *root, const char *name)
{
  return xasprintf("%s/images/%s", root, name);
}

int spawn_wait(char *const argv[], int out_fd, int max_ok, cocin_error_t *err)
{
  int errpipe[2], out[2];
  if (pipe2(errpipe, O_CLOEXEC) < 0)
    return cocin_fail_errno(err, "pipe");
  if (pipe2(out, O_CLOEXEC) < 0) {
    close(errpipe[0]);
    close(errpipe[1]);
    return cocin_fail_errno(err, "pipe");
  }
  pid_t pid = fork();
  if (pid < 0) {
    close(errpipe[0]);
    close(errpipe[1]);
    close(out[0]);
    close(out[1]);
    return cocin_fail_errno(err, "fork");
  }
  if (pid == 0) {
    int null = open("/dev/null", O_RDWR);
    if (null >= 0)
      dup2(null, 0);
    if (out_fd >= 0 ? dup2(out_fd, 1) < 0 : null < 0 || dup2(null, 1) < 0)
      _exit(126); /* never our own output in place of the one asked for */
    dup2(out[1], 2);
    /* the signals as they come (whatever our caller holds off), and gone
     * with our caller */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    execvp(argv[0], argv);
    int e = errno;
    (void)!write(errpipe[1], &e, sizeof(e));
    _exit(127);
  }
  close(errpipe[1]);
  close(out[1]);
  int e = 0;
  ssize_t n = read(errpipe[0], &e, sizeof(e));
  close(errpipe[0]);
  char msg[512];
  size_t have = 0;
  for (;;) { /* to the end, so that the program never blocks on a full pipe */
    char buf[4096];
    ssize_t r = read(out[0], buf, sizeof(buf));
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    size_t take = (size_t)r < sizeof(msg) - 1 - have ? (size_t)r : sizeof(msg) - 1 - have;
    memcpy(msg + have, buf, take);
    have += take;
  }
  close(out[0]);
  msg[have] = '\0';
  msg[strcspn(msg, "\n")] = '\0';
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (n == (ssize_t)sizeof(e)) {
    errno = e;
    return cocin_fail_errno(err, "exec %s", argv[0]);
  }
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE)
    return cocin_fail(err, EPIPE, "%s: the reader of its output went away", argv[0]);
  if (!WIFEXITED(status) || WEXITSTATUS(status) > max_ok)
    return cocin_fail(err, EIO, "%s failed (status %d)%s%s", argv[0],
                      WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
                      msg[0] ? ": " : "", msg);
  return 0;
}

static int write_image_json(const char *dir, const char *name, const char *source,
                            cocin_error_t *err)
{
  cJSON *j = cJSON_CreateObject();
  cJSON_AddStringToObject(j, "name", name);
  cJSON_AddStringToObject(j, "source", source);
  cleanup_free char *now = cocin_time_now();
  cJSON_AddStringToObject(j, "created", now);
  cleanup_free char *text = cJSON_Print(j);
  cJSON_Delete(j);
  cleanup_free char *path = xasprintf("%s/image.json", dir);
  return write_file_atomic(path, text, strlen(text), 0644, err);
}

static int build_busybox(const char *tmp, cocin_error_t *err)
{
  static const char *const dirs[] = {"bin", "sbin", "usr", "usr/bin", "usr/sbin", "etc",
                                     "proc", "sys", "dev", "tmp", "root", "var", "home",
                                     "mnt", "run", NULL};
  cleanup_free char *rootfs = xasprintf("%s/rootfs", tmp);
  /* every mode set as given, whatever the caller's umask (077 would make
   * the image's directories root's alone) */
  if (mkdir_p(rootfs, 0755, err) < 0)
    return -1;
  if (chmod(rootfs, 0755) < 0)
    return cocin_fail_errno(err, "chmod %s", rootfs);
  for (int i = 0; dirs[i]; i++) {
    cleanup_free char *d = xasprintf("%s/%s", rootfs, dirs[i]);
    mode_t mode = strcmp(dirs[i], "tmp") ? 0755 : 01777;
    if ((mkdir(d, mode) < 0 && errno != EEXIST) || chmod(d, mode) < 0)
      return cocin_fail_errno(err, "mkdir %s", d);
  }

  /* copy the static binary */
  cleanup_free char *dst = xasprintf("%s/bin/busybox", rootfs);
  cleanup_close int in = open(COCIN_BUSYBOX, O_RDONLY | O_CLOEXEC);
  if (in < 0)
    return cocin_fail_errno(err, "open %s (install busybox-static)", COCIN_BUSYBOX);
  cleanup_close int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
  if (out < 0 || fchmod(out, 0755) < 0)
    return cocin_fail_errno(err, "create %s", dst);
  char buf[65536];
  ssize_t n;
  while ((n = read(in, buf, sizeof(buf))) > 0)
    if (write_all(out, buf, (size_t)n) < 0)
      return cocin_fail_errno(err, "write %s", dst);
  if (n < 0)
    return cocin_fail_errno(err, "read %s", COCIN_BUSYBOX);

  /* one symlink per applet, in the directory busybox would install it */
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0)
    return cocin_fail_errno(err, "pipe");
  pid_t pid = fork();
  if (pid < 0)
    return cocin_fail_errno(err, "fork");
  if (pid == 0) {
    dup2(p[1], 1);
    execl(COCIN_BUSYBOX, "busybox", "--list-full", (char *)NULL);
    _exit(127);
  }
  close(p[1]);
  cleanup_fclose FILE *f = fdopen(p[0], "r");
  if (f == NULL) {
    close(p[0]);
    waitpid(pid, NULL, 0);
    return cocin_fail_errno(err, "fdopen");
  }
  char line[PATH_MAX];
  while (fgets(line, sizeof(line), f)) {
    line[strcspn(line, "\n")] = '\0';
    if (line[0] == '\0' || strstr(line, ".."))
      continue;
    cleanup_free char *link = xasprintf("%s/%s", rootfs, line);
    if (!strcmp(line, "bin/busybox"))
      continue;
    cleanup_free char *dir = xstrdup(link);
    *strrchr(dir, '/') = '\0';
    mkdir_p(dir, 0755, NULL);
    if (symlink("/bin/busybox", link) < 0 && errno != EEXIST)
      return cocin_fail_errno(err, "symlink %s", link);
  }
  int status;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status))
    return cocin_fail(err, EIO, "%s --list-full failed", COCIN_BUSYBOX);

  static const struct {
    const char *path, *text;
  } files[] = {
      {"etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"},
      {"etc/group", "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n"},
      {"etc/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost\n"},
      {"etc/hostname", ""}, /* both are bound over in every container */
      {"etc/resolv.conf", ""},
  };
  for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
    cleanup_free char *path = xasprintf("%s/%s", rootfs, files[i].path);
    if (write_file_atomic(path, files[i].text, strlen(files[i].text), 0644, err) < 0)
      return -1;
    if (chmod(path, 0644) < 0)
      return cocin_fail_errno(err, "chmod %s", path);
  }
  return 0;
}

char *recorded_image(const cJSON *cfg, const char *verb, const char *name, cocin_error_t *err)
{
  const char *image = cj_str(cfg, "image");
  /* (a name run checked; one edited in since is checked here) */
  if (image == NULL || cocin_name_check(image, NULL) < 0) {
    cocin_fail(err, EIO, "%s: container %s records no valid image", verb, name);
    return NULL;
  }
  return xstrdup(image);
}

/* Build an image in a temporary directory, then rename it into place, so
 * concurrent first uses agree and a failure leaves nothing (a build
 * killed half way: image_sweep removes it). */
static int image_user(const char *root, const char *name, bool force, const char *hint,
                      cocin_error_t *err);

/* The image at dir replaced by the one built at tmp, as docker moves a
 * tag to a new image: with the old one locked (no run holds it), and no
 * container using it (its upper layer would lie on another image), the
 * two are exchanged, and the old one deleted.  A container that uses it
 * refuses the replacement (EBUSY). */
static int replace_image(const char *root, const char *name, const char *tmp, const char *dir,
                         cocin_error_t *err)
{
  for (int tries = 0; tries < 3; tries++) {
    cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 && errno == ENOENT) { /* removed meanwhile: the name is free */
      if (rename(tmp, dir) == 0)
        return 0;
      if (errno != EEXIST && errno != ENOTEMPTY)
        return cocin_fail_errno(err, "rename %s", dir);
      continue;
    }
    if (fd < 0)
      return cocin_fail_errno(err, "open image %s", dir);
    if (flock_wait(fd, LOCK_EX) < 0)
      return cocin_fail_errno(err, "lock image %s", dir);
    if (!still_there(fd, dir)) /* replaced or removed while we waited */
      continue;
    if (image_user(root, name, false, "commit or import to another name", err) != 0)
      return -1;
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dir, RENAME_EXCHANGE) < 0)
      return cocin_fail_errno(err, "replace image %s", name);
    /* the old one is at tmp now, out of the way: deleted while we hold it
     * (a sweep leaves a held .tmp- alone, and takes it if we die) */
    rm_rf(tmp, NULL);
    return 0;
  }
  return cocin_fail(err, EBUSY, "image %s changed while it was being replaced: try again", name);
}

int install_image(const char *root, const char *name, const char *source,
                         int (*build)(const char *tmp, const void *data, cocin_error_t *err),
                         const void *data, bool replace, cocin_error_t *err)
{
  cleanup_free char *images = xasprintf("%s/images", root);
  if (mkdir_p(images, 0700, err) < 0)
    return -1;
  char id[65];
  if (cocin_random_id(id, err) < 0)
    return -1;
  cleanup_free char *tmp = xasprintf("%s/.tmp-%.12s", images, id);
  if (mkdir(tmp, 0755) < 0)
    return cocin_fail_errno(err, "mkdir %s", tmp);
  cleanup_close int busy = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (busy >= 0)
    (void)flock(busy, LOCK_EX);
  if (build(tmp, data, err) < 0 || write_image_json(tmp, name, source, err) < 0) {
    rm_rf(tmp, NULL);
    return cocin_error_wrap(err, "image %s", name);
  }
  cleanup_free char *dir = image_dir(root, name);
  if (rename(tmp, dir) < 0) {
    int e = errno;
    if ((e == EEXIST || e == ENOTEMPTY) && replace) {
      int r = replace_image(root, name, tmp, dir, err);
      if (r < 0)
        rm_rf(tmp, NULL);
      return r;
    }
    rm_rf(tmp, NULL);
    if (e == EEXIST || e == ENOTEMPTY)
      return 1; /* somebody else installed it first */
    errno = e;
    return cocin_fail_errno(err, "rename %s", dir);
  }
  return 0;
}

static int build_busybox_cb(const char *tmp, const void *data, cocin_error_t *err)
{
  (void)data;
  return build_busybox(tmp, err);
}

int cocin_image_ensure(const char *root, const char *name, char **rootfs, cocin_error_t *err)
{
  if (cocin_name_check(name, NULL) < 0)
    return cocin_fail(err, EINVAL, "invalid image name \"%s\"", name);
  cleanup_free char *dir = image_dir(root, name);
  cleanup_free char *rfs = xasprintf("%s/rootfs", dir);
  struct stat st;
  if (stat(rfs, &st) == 0 && S_ISDIR(st.st_mode)) {
    *rootfs = steal_ptr(rfs);
    return 0;
  }
  if (strcmp(name, "busybox"))
    return cocin_fail(err, ENOENT,
                      "no such image: %s (images: cocin images; add one: cocin import TARBALL %s)",
                      name, name);
  if (install_image(root, name, COCIN_BUSYBOX, build_busybox_cb, NULL, false, err) < 0)
    return -1;
  *rootfs = steal_ptr(rfs);
  return 0;
}

int cocin_image_hold(const char *root, const char *name, char **rootfs, int *hold,
                     cocin_error_t *err)
{
  cleanup_free char *dir = image_dir(root, name);
  /* a second and third try: an rmi removed it while we waited for it (the
   * busybox image is then built again; any other is gone) */
  for (int tries = 0; tries < 3; tries++) {
    cleanup_free char *rfs = NULL;
    if (cocin_image_ensure(root, name, &rfs, err) < 0)
      return -1;
    cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 && errno != ENOENT)
      return cocin_fail_errno(err, "open image %s", dir);
    if (fd >= 0 && flock_wait(fd, LOCK_SH) < 0)
      return cocin_fail_errno(err, "lock image %s", dir);
    if (fd >= 0 && still_there(fd, dir)) {
      *rootfs = steal_ptr(rfs);
      *hold = steal_fd(fd);
      return 0;
    }
  }
  return cocin_fail(err, ENOENT, "no such image: %s (removed meanwhile)", name);
}

/* A container that uses image `name` and stops its removal: any that may
 * run (running, paused, starting), or, without force, any at all.  Returns
 * 1 and fails with EBUSY naming it, and hint (what else to do; NULL:
 * rmi's), 0 if none, -1 on error. */
static int image_user(const char *root, const char *name, bool force, const char *hint,
                      cocin_error_t *err)
{
  cleanup_strv char **names = NULL;
  if (cocin_state_list(root, &names, err) < 0)
    return -1;
  for (char **n = names; *n; n++) {
    cJSON *cfg = NULL;
    if (cocin_state_load(root, *n, &cfg, NULL) < 0)
      continue; /* removed meanwhile */
    const char *image = cj_str(cfg, "image");
    bool uses = image && !strcmp(image, name);
    bool fresh = cocin_state_is_new(cfg); /* create's, never started: as a stopped one */
    struct cocin_info info;
    cocin_info_from_json(cfg, &info);
    cJSON_Delete(cfg);
    if (!uses)
      continue;
    if (info.state == COCIN_STATE_RUNNING || (info.state == COCIN_STATE_CREATED && !fresh)) {
      const char *how = info.state == COCIN_STATE_CREATED ? "starting"
                        : info.paused                     ? "paused"
                                                          : "running";
      cocin_fail(err, EBUSY, "image %s is in use by container %s (%s): stop and remove it first",
                 name, *n, how);
      return 1;
    }
    if (!force) {
      cocin_fail(err, EBUSY, "image %s is used by container %s (%s): %s", name, *n,
                 cocin_state_name(info.state),
                 hint ? hint : "remove the container first, or use rmi -f");
      return 1;
    }
  }
  return 0;
}

/* What an earlier rmi left, killed while it deleted, or an image build
 * (import, commit) killed half way: nobody holds it (a build locks its
 * directory from a moment after it made it: one younger than a minute is
 * left alone) */
void image_sweep(const char *root)
{
  cleanup_free char *images = xasprintf("%s/images", root);
  sweep_aside(images);
}

int image_in_use(const char *root, const char *name, cocin_error_t *err)
{
  cleanup_free char *dir = image_dir(root, name);
  if (!path_exists(dir))
    return 0;
  return image_user(root, name, false, "commit or import to another name", err) != 0 ? -1 : 0;
}

int cocin_image_remove(const char *root, const char *ref, bool force, cocin_error_t *err)
{
  cleanup_free char *name = cocin_image_name(ref, err);
  if (name == NULL)
    return -1;
  cleanup_free char *images = xasprintf("%s/images", root);
  cleanup_free char *dir = image_dir(root, name);
  cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && (errno == ENOENT || errno == ENOTDIR || errno == ELOOP))
    return cocin_fail(err, ENOENT, "no such image: %s", name);
  if (fd < 0)
    return cocin_fail_errno(err, "open image %s", dir);
  /* every run past finding the image holds it shared until its container
   * is recorded running (cocin_image_hold): with it held exclusively, the
   * containers listed below are all that use it, and no run finds it
   * after the rename */
  if (flock_wait(fd, LOCK_EX) < 0)
    return cocin_fail_errno(err, "lock image %s", dir);
  if (!still_there(fd, dir))
    return cocin_fail(err, ENOENT, "no such image: %s", name);
  int used = image_user(root, name, force, NULL, err);
  if (used != 0)
    return -1;
  char id[65];
  if (cocin_random_id(id, err) < 0)
    return -1;
  cleanup_free char *gone = xasprintf("%s/.rm-%.12s", images, id);
  if (rename(dir, gone) < 0)
    return cocin_fail_errno(err, "remove image %s: rename", name);
  /* its name is free now; the files go while we still hold the lock (a
   * sweep leaves a held one alone) */
  int r = rm_rf(gone, err);
  image_sweep(root);
  return r < 0 ? cocin_error_wrap(err, "remove image %s", name) : 0;
}

/* All of in into out, from where each stands. */
static int copy_fd(int in, int out, cocin_error_t *err)
{
  char buf[65536];
  for (;;) {
    ssize_t n = read(in, buf, sizeof(buf));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return cocin_fail_errno(err, "read");
    if (n == 0)
      return 0;
    if (write_all(out, buf, (size_t)n) < 0)
      return cocin_fail_errno(err, "write");
  }
}

static int import_cb(const char *tmp, const void *data, cocin_error_t *err)
{
  const char *tarball = data;
  cleanup_free char *rootfs = xasprintf("%s/rootfs", tmp);
  /* 0755 whatever the umask; the tarball's "./", if it has one, says otherwise */
  if (mkdir(rootfs, 0755) < 0 || chmod(rootfs, 0755) < 0)
    return cocin_fail_errno(err, "mkdir %s", rootfs);
  char *const argv[] = {(char *)"tar", (char *)"-x", (char *)"-f", (char *)tarball,
                        (char *)"-C",  rootfs,       (char *)"--numeric-owner", NULL};
  return spawn_wait(argv, -1, 0, err);
}

int cocin_image_import(const char *root, const char *tarball, const char *ref,
                       cocin_error_t *err)
{
  cleanup_free char *name = cocin_image_name(ref, err);
  if (name == NULL)
    return -1;
  image_sweep(root);
  /* one the replacement would be refused for is said before tar runs;
   * install_image looks again at the end */
  if (image_in_use(root, name, err) < 0)
    return cocin_error_wrap(err, "import");
  char abs[PATH_MAX];
  cleanup_close int spool = -1;
  if (!strcmp(tarball, "-")) {
    /* standard input, as docker import -: spooled into an unnamed file
     * first, where tar finds a compression as it does in any file (it
     * does not look for one in a pipe) */
    cleanup_free char *images = xasprintf("%s/images", root);
    if (mkdir_p(images, 0700, err) < 0)
      return -1;
    spool = open(images, O_TMPFILE | O_RDWR, 0600); /* not CLOEXEC: tar reads it */
    if (spool < 0)
      return cocin_fail_errno(err, "import -: a file for standard input in %s", images);
    if (copy_fd(0, spool, err) < 0)
      return cocin_error_wrap(err, "import -: standard input");
    snprintf(abs, sizeof(abs), "/proc/self/fd/%d", spool);
  } else if (realpath(tarball, abs) == NULL) {
    return cocin_fail_errno(err, "import %s", tarball);
  }
  /* an image of that name is replaced, as docker moves the tag */
  return install_image(root, name, spool >= 0 ? "-" : abs, import_cb, abs, true, err) < 0 ? -1 : 0;
}

int cocin_image_list(const char *root, char ***names, cocin_error_t *err)
{
  cleanup_free char *dir = xasprintf("%s/images", root);
  cleanup_strv char **v = xmalloc0(sizeof(char *));
  cleanup_dir DIR *d = opendir(dir);
  if (d == NULL) {
    if (errno != ENOENT)
      return cocin_fail_errno(err, "open %s", dir);
    *names = steal_ptr(v);
    return 0;
  }
  struct dirent *de;
  while ((de = readdir(d))) {
    struct stat st; /* an image is a directory (not a file or a link there) */
    if (de->d_name[0] != '.' && fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISDIR(st.st_mode))
      strv_append(&v, de->d_name);
  }
  strv_sort(v);
  *names = steal_ptr(v);
  return 0;
}

/* the bytes of the files below dir (symlinks' own), as docker counts
 * an image's size; a directory at most 64 deep */
static uint64_t tree_size(int dir, int depth)
{
  int fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  cleanup_dir DIR *d = fdopendir(fd);
  if (d == NULL) {
    close(fd);
    return 0;
  }
  uint64_t sum = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    struct stat st;
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
        fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
      continue;
    if (S_ISDIR(st.st_mode) && depth < 64) {
      cleanup_close int sub =
          openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub >= 0)
        sum += tree_size(sub, depth + 1);
    } else if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) {
      sum += (uint64_t)st.st_size;
    }
  }
  return sum;
}

uint64_t cocin_dir_size(const char *path)
{
  cleanup_close int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  return fd < 0 ? 0 : tree_size(fd, 0);
}

int cocin_image_info(const char *root, const char *name, struct cocin_image_info *info,
                     cocin_error_t *err)
{
  memset(info, 0, sizeof(*info));
  info->created = -1;
  cleanup_free char *dir = image_dir(root, name);
  cleanup_free char *json = xasprintf("%s/image.json", dir);
  cleanup_free char *text = NULL;
  if (read_all_file(json, &text, NULL, NULL) == 0) {
    cJSON *j = cJSON_Parse(text);
    info->created = cocin_time_parse(cj_str(j, "created"));
    cJSON_Delete(j);
  }
  cleanup_free char *rootfs = xasprintf("%s/rootfs", dir);
  cleanup_close int fd = open(rootfs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return cocin_fail_errno(err, "image %s", name);
  info->size = tree_size(fd, 0);
  return 0;
}
