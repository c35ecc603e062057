/* cocin — inside the child: from clone() to execve().
 *
 * Order: stdio → close inherited fds → mounts private → the overlay root
 * mounted (our working directory from then on) → /proc, /dev,
 * /etc/hostname and /etc/hosts → the network namespace joined (made by
 * the monitor meanwhile, lo brought up; or --network container:NAME's
 * from the caller) → /sys → volumes → pivot_root, old root detached → hostname →
 * --sysctl parameters →
 * masked / read-only paths → workdir → cgroup joined (its files come
 * from the monitor, which made it meanwhile) → cgroup namespace → user →
 * capabilities, no_new_privs, seccomp → execvp.  Any failure is written to
 * errfd and the child exits; the monitor relays it to whoever ran `run`. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cocin/cleanup.h"
#include "cocin/security.h"
#include "cocin/util.h"
#include "internal.h"

#ifndef OVERLAYFS_SUPER_MAGIC
#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#endif

extern char **environ;

void child_fail(int errfd, int code, cocin_error_t *err)
{
  char buf[4096];
  int n = snprintf(buf, sizeof(buf), "%d\n%s", cocin_error_status(err), cocin_error_msg(err));
  if (n > 0)
    (void)!write(errfd, buf, (size_t)(n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1));
  _exit(code);
}

int read_child_error_after(int fd, const char *have, size_t nhave, cocin_error_t *err)
{
  char buf[4097];
  size_t n = nhave < sizeof(buf) - 1 ? nhave : sizeof(buf) - 1;
  if (n)
    memcpy(buf, have, n);
  for (;;) {
    ssize_t r = read(fd, buf + n, sizeof(buf) - 1 - n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    n += (size_t)r;
    if (n == sizeof(buf) - 1)
      break;
  }
  buf[n] = '\0';
  char *msg = buf;
  if (*msg == 'R') /* the init's "ready" mark (see container_init) */
    msg++;
  if (*msg == '\0')
    return 0;
  char *nl = strchr(msg, '\n');
  int status = atoi(msg);
  return cocin_fail(err, status ? status : EIO, "%s", nl ? nl + 1 : msg);
}

int read_child_error(int fd, cocin_error_t *err)
{
  return read_child_error_after(fd, NULL, 0, err);
}

static int mount_or_fail(const char *src, const char *dst, const char *type, unsigned long flags,
                         const char *data, cocin_error_t *err)
{
  if (mount(src, dst, type, flags, data) < 0) /* dst: relative to the new root */
    return cocin_fail_errno(err, "mount %s on /%s", type ? type : src, dst);
  return 0;
}

/* Resolve `path` below rootfd as if rootfd were "/" (symlinks in the image,
 * absolute or with "..", stay inside it), creating what is missing:
 * directories, and a file for the last component when as_file.  Each
 * prefix is resolved from rootfd, so a symlink means what it would mean in
 * the container. */
static int openat2_in_root(int rootfd, const char *path)
{
  struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
  int fd = -1;
  /* EAGAIN: a rename or mount anywhere on the host raced a ".." of the
   * walk; the kernel asks for a retry */
  for (int i = 0; i < 16; i++)
    if ((fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how))) >= 0 || errno != EAGAIN)
      break;
  return fd;
}

static int open_in_root(int rootfd, const char *path, bool as_file, cocin_error_t *err)
{
  int whole = openat2_in_root(rootfd, path);
  if (whole >= 0 || errno != ENOENT) /* there already: one lookup */
    return whole >= 0 ? whole : cocin_fail_errno(err, "open %s in the container", path);
  cleanup_free char *p = xstrdup(path);
  /* the resolved parent (rootfd may be AT_FDCWD) */
  cleanup_close int cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (cur < 0)
    return cocin_fail_errno(err, "open the container's root");
  char *save = NULL;
  for (char *comp = strtok_r(p, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
    bool last = save == NULL || *save == '\0';
    /* p now holds the prefix up to comp (strtok_r cut after it) */
    int fd = openat2_in_root(rootfd, p);
    if (fd < 0 && errno == ENOENT) {
      if (last && as_file) {
        int f = openat(cur, comp, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (f < 0 && errno != EEXIST) /* (its reason: EROFS, not the ENOENT after) */
          return cocin_fail_errno(err, "create %s in the container", path);
        if (f >= 0)
          close(f);
      } else if (mkdirat(cur, comp, 0755) < 0 && errno != EEXIST) {
        return cocin_fail_errno(err, "mkdir %s in the container", path);
      }
      fd = openat2_in_root(rootfd, p);
    }
    if (fd < 0)
      return cocin_fail_errno(err, "open %s in the container", path);
    close(cur);
    cur = fd;
    if (!last)
      comp[strlen(comp)] = '/'; /* put the separator back: p grows */
  }
  return steal_fd(cur);
}

/* Remount a bind mount with `add` (MS_RDONLY, MS_NODEV), keeping the flags
 * it has: a plain MS_REMOUNT|MS_BIND|MS_RDONLY would drop nosuid, nodev
 * and noexec of the source. */
static int remount_bind(const char *target, unsigned long add, cocin_error_t *err)
{
  static const struct {
    unsigned long st, ms;
  } map[] = {{ST_RDONLY, MS_RDONLY},   {ST_NOSUID, MS_NOSUID},
             {ST_NODEV, MS_NODEV},     {ST_NOEXEC, MS_NOEXEC},
             {ST_NOATIME, MS_NOATIME}, {ST_NODIRATIME, MS_NODIRATIME},
             {ST_RELATIME, MS_RELATIME}};
  struct statvfs sv;
  if (statvfs(target, &sv) < 0)
    return cocin_fail_errno(err, "statvfs");
  unsigned long flags = MS_REMOUNT | MS_BIND | add;
  for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
    if (sv.f_flag & map[i].st)
      flags |= map[i].ms;
  if (mount(NULL, target, NULL, flags, NULL) < 0)
    return cocin_fail_errno(err, "remount");
  return 0;
}

static int mount_volume(int rootfd, const struct cocin_mount *m, bool nodev, cocin_error_t *err)
{
  struct stat st;
  if (stat(m->source, &st) < 0)
    return cocin_fail_errno(err, "volume source %s", m->source);
  bool as_file = !S_ISDIR(st.st_mode);
  char target[64];
  {
    cleanup_close int fd = open_in_root(rootfd, m->dest, as_file, err);
    if (fd < 0)
      return -1;
    snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
    if (mount(m->source, target, NULL, MS_BIND | MS_REC, NULL) < 0)
      return cocin_fail_errno(err, "bind mount %s on %s", m->source, m->dest);
  }
  unsigned long add = (m->readonly ? MS_RDONLY : 0) | (nodev ? MS_NODEV : 0);
  if (add == 0)
    return 0;
  /* the first fd points at the covered inode: reopen to reach the mount */
  cleanup_close int fd = open_in_root(rootfd, m->dest, as_file, err);
  if (fd < 0)
    return -1;
  snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
  if (remount_bind(target, add, err) < 0)
    return cocin_error_wrap(err, "volume %s", m->dest);
  return 0;
}

/* --tmpfs: a tmpfs of its own (nodev: whatever its options say) */
static int mount_tmpfs(int rootfd, const struct cocin_tmpfs *t, bool nodev, cocin_error_t *err)
{
  unsigned long flags;
  cleanup_free char *data = NULL;
  if (cocin_tmpfs_options(t->options, &flags, &data, err) < 0)
    return cocin_error_wrap(err, "--tmpfs %s", t->dest);
  cleanup_close int fd = open_in_root(rootfd, t->dest, false, err);
  if (fd < 0)
    return -1;
  char target[64];
  snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
  if (mount("tmpfs", target, "tmpfs", flags | (nodev ? MS_NODEV : 0), data) < 0)
    return cocin_fail_errno(err, "mount a tmpfs on %s", t->dest);
  return 0;
}

/* mount k of s: its volumes 0..n_mounts-1, then its tmpfs; how deep */
static size_t mount_depth(const struct cocin_spec *s, size_t k)
{
  const char *p = k < s->n_mounts ? s->mounts[k].dest : s->tmpfs[k - s->n_mounts].dest;
  size_t n = 0;
  for (; *p; p++)
    n += *p == '/';
  return n;
}

int mount_volumes_at(const char *merged, const struct cocin_spec *s, bool nodev, bool with_tmpfs,
                     cocin_error_t *err)
{
  size_t nt = with_tmpfs ? s->n_tmpfs : 0, n = s->n_mounts + nt;
  if (n == 0)
    return 0;
  cleanup_close int rootfd = open(merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return cocin_fail_errno(err, "open %s", merged);
  /* shallower places first, as docker sorts them (stable: given order
   * among equals), so that one inside another's place stays seen */
  cleanup_free size_t *order = xmalloc0(n * sizeof(*order));
  for (size_t i = 0; i < n; i++) {
    size_t d = mount_depth(s, i), j = i;
    for (; j > 0 && mount_depth(s, order[j - 1]) > d; j--)
      order[j] = order[j - 1];
    order[j] = i;
  }
  for (size_t i = 0; i < n; i++) {
    size_t k = order[i];
    if ((k < s->n_mounts ? mount_volume(rootfd, &s->mounts[k], nodev, err)
                         : mount_tmpfs(rootfd, &s->tmpfs[k - s->n_mounts], nodev, err)) < 0)
      return -1;
  }
  return 0;
}

/* --device: each host node's twin at its place in our /dev (dev is
 * "dev", our working directory the new root), with the host node's mode;
 * directories on the way made (/dev/snd/...), a node of ours there
 * replaced.  The devices policy (cgroup) allows them; nothing else does. */
static int make_devices(const struct cocin_spec *s, cocin_error_t *err)
{
  for (size_t i = 0; i < s->n_device_nodes; i++) {
    const struct cocin_device *d = &s->device_nodes[i];
    cleanup_free char *rel = xstrdup(d->dest + 1); /* "dev/..." */
    for (char *slash = strchr(rel + 4, '/'); slash; slash = strchr(slash + 1, '/')) {
      *slash = '\0';
      struct stat st;
      if (mkdir(rel, 0755) < 0 && errno != EEXIST)
        return cocin_fail_errno(err, "--device %s: mkdir /%s", d->host, rel);
      /* (a link of ours, /dev/fd: never followed out of /dev) */
      if (lstat(rel, &st) < 0 || !S_ISDIR(st.st_mode))
        return cocin_fail(err, ENOTDIR, "--device %s: /%s is not a directory", d->host, rel);
      *slash = '/';
    }
    struct stat st;
    if (lstat(rel, &st) == 0 && S_ISDIR(st.st_mode)) /* (pts, shm, a --device's directory) */
      return cocin_fail(err, EISDIR, "--device %s: %s is a directory", d->host, d->dest);
    (void)unlink(rel);
    mode_t type = d->rule.type == 'b' ? S_IFBLK : S_IFCHR;
    if (mknod(rel, type | (d->mode & 0777), makedev(d->rule.major, d->rule.minor)) < 0)
      return cocin_fail_errno(err, "--device %s: mknod %s", d->host, d->dest);
  }
  return 0;
}

static int make_dev(const char *dev, const struct cocin_spec *spec, cocin_error_t *err)
{
  static const struct {
    const char *name;
    unsigned maj, min;
  } nodes[] = {{"null", 1, 3}, {"zero", 1, 5},    {"full", 1, 7},
               {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};
  if (mount_or_fail("tmpfs", dev, "tmpfs", MS_NOSUID | MS_STRICTATIME,
                    "mode=755,size=65536k", err) < 0)
    return -1;
  /* the modes as given (0666 nodes): no umask, and no chmod after each */
  mode_t mask = umask(0);
  for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
    cleanup_free char *p = xasprintf("%s/%s", dev, nodes[i].name);
    if (mknod(p, S_IFCHR | 0666, makedev(nodes[i].maj, nodes[i].min)) < 0) {
      umask(mask);
      return cocin_fail_errno(err, "mknod /%s", p);
    }
  }
  cleanup_free char *pts = xasprintf("%s/pts", dev);
  cleanup_free char *shm = xasprintf("%s/shm", dev);
  mkdir(pts, 0755);
  mkdir(shm, 01777);
  umask(mask);
  if (mount_or_fail("devpts", pts, "devpts", MS_NOSUID | MS_NOEXEC,
                    "newinstance,ptmxmode=0666,mode=0620,gid=5", err) < 0)
    return -1;
  /* --shm-size, or docker's 64 MiB; --ipc host: the host's own /dev/shm
   * (bound before pivot_root: "/dev/shm" is still the host's) */
  char shm_opts[64];
  snprintf(shm_opts, sizeof(shm_opts), "mode=1777,size=%lld",
           (long long)(spec->shm_size ? spec->shm_size : 64LL << 20));
  int r = spec->host_ipc ? mount_or_fail("/dev/shm", shm, NULL, MS_BIND | MS_REC, NULL, err)
                         : mount_or_fail("shm", shm, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                                         shm_opts, err);
  if (r < 0)
    return -1;
  static const struct {
    const char *target, *name;
  } links[] = {{"pts/ptmx", "ptmx"},     {"/proc/self/fd", "fd"},
               {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
               {"/proc/self/fd/2", "stderr"}};
  for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
    cleanup_free char *p = xasprintf("%s/%s", dev, links[i].name);
    if (symlink(links[i].target, p) < 0)
      return cocin_fail_errno(err, "symlink /%s", p);
  }
  /* --device's last: one in place of a node or link of ours replaces it
   * (its mode the host node's: no umask) */
  mask = umask(0);
  r = make_devices(spec, err);
  umask(mask);
  return r;
}

/* The hostname the container gets: -h, else its name, cut to the 64
 * characters a hostname may have (a name may have 128). */
static size_t container_hostname(const struct cocin_spec *s, const char **host)
{
  *host = s->hostname ? s->hostname : s->name;
  size_t n = strlen(*host);
  return n > 64 ? 64 : n;
}

/* Is a volume's destination the file st (as the image resolves it: a
 * symlink /etc/hosts -> /srv/hosts with -v X:/srv/hosts)?  Then it is the
 * user's own: a volume could not be mounted over ours, unlinked below. */
static bool volume_on(const struct container_args *a, const struct stat *st)
{
  for (size_t m = 0; m < a->spec->n_mounts; m++) {
    int fd = openat2_in_root(AT_FDCWD, a->spec->mounts[m].dest + 1);
    struct stat vs;
    bool same = fd >= 0 && fstat(fd, &vs) == 0 && vs.st_dev == st->st_dev && vs.st_ino == st->st_ino;
    if (fd >= 0)
      close(fd);
    if (same)
      return true;
  }
  return false;
}

/* A file of the host's (with --network host), at most 64 KiB; NULL if it
 * has none.  Read before pivot_root, where / is still the host's. */
static char *host_file(const char *path)
{
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  char *text = NULL;
  size_t len;
  if (fd < 0 || read_all_fd(fd, 64 * 1024, &text, &len) < 0)
    return NULL;
  return text;
}

/* /etc/hostname and /etc/hosts that name the container's hostname, as
 * docker and podman give them: a program that resolves its own hostname
 * (sudo, hostname -i, a JVM) finds it at 127.0.1.1, Debian's address for
 * it.  Each is written into the /dev tmpfs just mounted, bound over the
 * image's file (made if the image has none) and unlinked there: nothing
 * lands in the container's layer or on the host's disk, and a write to
 * either lasts as long as the container.  The user's volumes come after
 * and cover them (one on the file itself replaces ours).  Where the
 * image has no such file an empty one is made in its layer, the mount
 * point; an image whose /etc cannot take one (a dangling symlink there,
 * or a directory) runs without it.  With --network host they are the
 * host's /etc/hosts (the hostname is the host's too) and, as a third,
 * its /etc/resolv.conf: the container resolves names as the host does. */
static int etc_files(const struct container_args *a, cocin_error_t *err)
{
  const char *host;
  int n = (int)container_hostname(a->spec, &host);
  bool host_net = a->spec->host_network;
  /* on the host's network the host's names and resolver, as docker
   * copies them; a host without a resolv.conf gives none */
  cleanup_free char *hosts = host_net ? host_file("/etc/hosts") : NULL;
  if (hosts == NULL)
    hosts = xasprintf("127.0.0.1\tlocalhost\n"
                      "::1\tlocalhost ip6-localhost ip6-loopback\n"
                      "127.0.1.1\t%.*s\n",
                      n, host);
  /* --add-host NAME:IP: "IP NAME" lines after them, as docker adds them */
  for (char **h = a->spec->extra_hosts; h && *h; h++) {
    const char *colon = strchr(*h, ':');
    size_t len = strlen(hosts);
    char *more = xasprintf("%s%s%s\t%.*s\n", hosts, len && hosts[len - 1] != '\n' ? "\n" : "",
                           colon + 1, (int)(colon - *h), *h);
    free(hosts);
    hosts = more;
  }
  cleanup_free char *resolv = host_net ? host_file("/etc/resolv.conf") : NULL;
  cleanup_free char *hostname = xasprintf("%.*s\n", n, host);
  const struct {
    const char *dest, *tmp, *text;
  } files[] = {{"etc/hostname", "dev/.hostname", hostname},
               {"etc/hosts", "dev/.hosts", hosts},
               {"etc/resolv.conf", "dev/.resolv.conf", resolv}};
  for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
    if (files[i].text == NULL)
      continue;
    /* our working directory is the container's root */
    cleanup_error cocin_error_t oerr = NULL;
    cleanup_close int dest = open_in_root(AT_FDCWD, files[i].dest, true, &oerr);
    int why = dest < 0 ? cocin_error_status(&oerr) : 0;
    if (why && why != ENOENT && why != ENOTDIR && why != ELOOP && why != EEXIST) {
      *err = steal_ptr(oerr);
      return -1;
    }
    /* only a file of the image (or made there now): not a directory, not
     * a symlink's way into the container's /dev or /proc */
    struct stat st;
    struct statfs sf;
    if (dest < 0 || fstat(dest, &st) < 0 || !S_ISREG(st.st_mode) || fstatfs(dest, &sf) < 0 ||
        sf.f_type != OVERLAYFS_SUPER_MAGIC || volume_on(a, &st))
      continue;
    cleanup_close int fd =
        open(files[i].tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0 || write_all(fd, files[i].text, strlen(files[i].text)) < 0)
      return cocin_fail_errno(err, "write /%s in the container", files[i].tmp);
    char target[64];
    snprintf(target, sizeof(target), "/proc/self/fd/%d", dest);
    int r = mount(files[i].tmp, target, NULL, MS_BIND, NULL);
    int e = errno;
    unlink(files[i].tmp);
    if (r < 0) {
      errno = e;
      return cocin_fail_errno(err, "bind mount /%s", files[i].dest);
    }
  }
  return 0;
}

/* A new network namespace has its loopback down. */
static int loopback_up(cocin_error_t *err)
{
  cleanup_close int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return cocin_fail_errno(err, "socket");
  struct ifreq ifr = {0};
  strcpy(ifr.ifr_name, "lo");
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
    return cocin_fail_errno(err, "get flags of lo");
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
    return cocin_fail_errno(err, "bring lo up");
  return 0;
}

/* name: relative to the new root, our working directory */
static int mkdir_in(const char *name, cocin_error_t *err)
{
  struct stat st;
  if (lstat(name, &st) == 0) {
    if (S_ISDIR(st.st_mode))
      return 0;
    return cocin_fail(err, EINVAL, "the image's /%s is not a directory (a symlink?): refused",
                      name);
  }
  if (mkdir(name, 0755) < 0)
    return cocin_fail_errno(err, "mkdir /%s in the container", name);
  return 0;
}

int netns_make(cocin_error_t *err)
{
  cleanup_close int here = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (here < 0)
    return cocin_fail_errno(err, "open our network namespace");
  if (unshare(CLONE_NEWNET) < 0)
    return cocin_fail_errno(err, "make the container's network namespace");
  cleanup_close int made = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (made < 0)
    cocin_fail_errno(err, "open the container's network namespace");
  /* back where we were, whatever happened (should that fail, the
   * monitor fails the run, whose undoing needs no network) */
  if (setns(here, CLONE_NEWNET) < 0) {
    cocin_error_release(err);
    return cocin_fail_errno(err, "return to the host's network namespace");
  }
  return made >= 0 ? steal_fd(made) : -1;
}

/* The container's network namespace, joined before sysfs is mounted (its
 * /sys/class/net is the mounter's namespace's): --network
 * container:NAME's from the caller (on netsock, opened by it, having
 * checked the name), or our own from the monitor, which makes it while we
 * build the root (on joinfd, 'n'); none on the host's network.  A monitor
 * that failed closes its end, or kills us. */
static int join_net(const struct container_args *a, cocin_error_t *err)
{
  if (a->spec->host_network)
    return 0;
  int sock = a->netsock >= 0 ? a->netsock : a->joinfd;
  char what = 0;
  int fd = -1;
  size_t n = 1;
  int r = fds_recv(sock, &what, &fd, &n, "the network namespace", NULL);
  if (a->netsock >= 0)
    close(a->netsock);
  cleanup_close int net = r == 0 && n == 1 ? fd : -1;
  if (net < 0 || what != 'n')
    return cocin_fail(err, EIO, "the container's network namespace did not come");
  if (setns(net, CLONE_NEWNET) < 0)
    return cocin_fail_errno(err, "join the container's network namespace");
  /* our own: its loopback up (here: the monitor is the busier of us) */
  return a->netsock < 0 ? loopback_up(err) : 0;
}

/* *devnull: an O_PATH fd of the container's own /dev/null, taken before
 * the volumes (a volume on /dev may have none): the masked files are
 * bound from it. */
static int setup_rootfs(const struct container_args *a, int *devnull, cocin_error_t *err)
{
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return cocin_fail_errno(err, "make mounts private");
  /* A --rm container's overlay is volatile (Linux 5.10), as podman makes
   * it: no sync reaches the upper layer's filesystem, not even at unmount,
   * where overlayfs otherwise runs syncfs on the whole host filesystem
   * under it (here 20-odd metadata writes and a cache flush for every
   * container that ends; 0.32 s for rm -f under a heavy writer).  Such a
   * container is thrown away at its end, so an fsync inside it protects
   * nothing a crash would not throw away too.  A kept one syncs as usual. */
  bool vol = a->spec->autoremove;
  cleanup_free char *opts = xasprintf("lowerdir=%s,upperdir=%s,workdir=%s%s", a->image_rootfs,
                                      a->upper, a->work, vol ? ",volatile" : "");
  unsigned long flags = a->nodev ? MS_NODEV : 0;
  int r = mount("overlay", a->merged, "overlay", flags, opts);
  if (r < 0 && vol && errno == EINVAL) { /* a kernel before 5.10 */
    opts[strlen(opts) - strlen(",volatile")] = '\0';
    r = mount("overlay", a->merged, "overlay", flags, opts);
  }
  if (r < 0)
    return cocin_fail_errno(err, "mount overlay at %s", a->merged);
  TRACE("i-overlay");
  /* Into the new root (the overlay, now over the directory): each path
   * below is relative to it, a walk of a component or two instead of the
   * whole state directory's path. */
  if (chdir(a->merged) < 0)
    return cocin_fail_errno(err, "chdir %s", a->merged);

  static const char *const dirs[] = {"proc", "dev", "sys", NULL};
  for (int i = 0; dirs[i]; i++)
    if (mkdir_in(dirs[i], err) < 0)
      return -1;
  if (mount_or_fail("proc", "proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL, err) < 0)
    return -1;
  TRACE("i-proc");
  if (make_dev("dev", a->spec, err) < 0 || etc_files(a, err) < 0)
    return -1;
  TRACE("i-dev");
  if (join_net(a, err) < 0)
    return -1;
  TRACE("i-net");
  if (mount_or_fail("sysfs", "sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL,
                    err) < 0)
    return -1;
  *devnull = open("dev/null", O_PATH | O_CLOEXEC);
  if (*devnull < 0)
    return cocin_fail_errno(err, "open /dev/null in the container");
  /* The user's volumes and tmpfs last, as docker mounts them: over
   * /dev/shm, in /dev, on a file of /proc (lxcfs's way) they stay seen. */
  if (mount_volumes_at(a->merged, a->spec, a->nodev, true, err) < 0)
    return -1;

  TRACE("i-sys");
  /* pivot_root(".", "."): the old root ends up stacked under the new one
   * and is detached at once, with no directory left in the image. */
  if (syscall(SYS_pivot_root, ".", ".") < 0)
    return cocin_fail_errno(err, "pivot_root");
  if (umount2(".", MNT_DETACH) < 0)
    return cocin_fail_errno(err, "detach the old root");
  if (chdir("/") < 0)
    return cocin_fail_errno(err, "chdir /");
  return 0;
}

/* --sysctl: each KEY=VALUE written to /proc/sys/KEY (its dots made
 * slashes) in our own namespaces, before /proc/sys goes read-only.  The
 * key was checked at parse time; the path is still resolved beneath the
 * container's /proc/sys only, without symlinks, and that must be procfs
 * (not a volume the user put there). */
static int set_sysctls(const struct cocin_spec *s, cocin_error_t *err)
{
  char *const *list = s->sysctls;
  if (list == NULL || list[0] == NULL)
    return 0;
  if (cocin_spec_sysctls_check(s, err) < 0) /* (never the host's network's) */
    return -1;
  cleanup_close int dir = open("/proc/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct statfs sf;
  if (dir < 0 || fstatfs(dir, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC)
    return cocin_fail(err, EINVAL, "--sysctl: the container's /proc/sys is not the kernel's "
                                   "(a volume or --tmpfs over /proc?)");
  for (char *const *kv = list; *kv; kv++) {
    const char *eq = strchr(*kv, '=');
    cleanup_free char *path = xstrndup(*kv, (size_t)(eq - *kv));
    for (char *c = path; *c; c++)
      if (*c == '.')
        *c = '/';
    struct open_how how = {.flags = O_WRONLY | O_CLOEXEC,
                           .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
                                      RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV};
    cleanup_close int fd = (int)syscall(SYS_openat2, dir, path, &how, sizeof(how));
    if (fd < 0 && errno == ENOENT)
      return cocin_fail(err, ENOENT, "--sysctl %.*s: this kernel has no such parameter",
                        (int)(eq - *kv), *kv);
    if (fd < 0)
      return cocin_fail_errno(err, "--sysctl %.*s", (int)(eq - *kv), *kv);
    size_t len = strlen(eq + 1);
    ssize_t w = write(fd, eq + 1, len);
    if (w < 0 || (size_t)w != len) /* (a short write: the kernel took a part of it) */
      return w < 0 ? cocin_fail_errno(err, "--sysctl %s: the kernel refused the value", *kv)
                   : cocin_fail(err, EINVAL, "--sysctl %s: the kernel took only %zd bytes", *kv, w);
  }
  return 0;
}

int exec_command(char **args, char **env, cocin_error_t *err)
{
  environ = env;
  execvp(args[0], args);
  int e = errno;
  if (e == ENOENT)
    return cocin_fail(err, ENOENT, "exec \"%s\": executable file not found in $PATH", args[0]);
  errno = e;
  return cocin_fail_errno(err, "exec \"%s\"", args[0]);
}


int container_init(void *arg)
{
  struct container_args *a = arg;
  const struct cocin_spec *s = a->spec;
  cocin_error_t err = NULL;

  /* the monitor ignores HUP, INT and PIPE: the command must not inherit
   * that (the rest the monitor reset already: three calls, not sixty) */
  monitor_ignored_signals(SIG_DFL);
  /* docker's umask, whoever ran us: what the init makes in the image
   * (mount points, /etc/hosts) and what the command makes */
  umask(022);

  TRACE("init");
  for (int i = 0; a->console_sock < 0 && i < 3; i++)
    if (a->stdio[i] != i && dup2(a->stdio[i], i) < 0) {
      cocin_fail_errno(&err, "set up stdio");
      child_fail(a->errfd, 1, &err);
    }
  int keep[] = {a->errfd, a->console_sock, a->joinfd, a->netsock};
  close_fds_except(3, keep, sizeof(keep) / sizeof(keep[0]));
  /* The monitor makes our cgroup while we build the root filesystem; we
   * move ourselves in afterwards (nothing here forks or needs the limits
   * yet). */
  int devnull = -1;
  if (setup_rootfs(a, &devnull, &err) < 0)
    child_fail(a->errfd, 1, &err);
  TRACE("i-pivoted");
  if (a->console_sock >= 0) {
    if (console_setup(a->console_sock, &a->ws, &err) < 0)
      child_fail(a->errfd, 1, &err);
    close(a->console_sock);
  }
  const char *host;
  size_t hlen = container_hostname(s, &host);
  if (!s->host_uts && sethostname(host, hlen) < 0) { /* (--uts host: the host's, as it is) */
    cocin_fail_errno(&err, "sethostname %s", host);
    child_fail(a->errfd, 1, &err);
  }
  if (set_sysctls(s, &err) < 0)
    child_fail(a->errfd, 1, &err);
  TRACE("i-sysctl");
  char null_src[32];
  snprintf(null_src, sizeof(null_src), "/proc/self/fd/%d", devnull);
  /* the masks read an absent path as one this kernel lacks: the source
   * must be there (a volume over /proc/1 would hide it) */
  if (!s->security.privileged && access(null_src, F_OK) < 0) {
    cocin_fail(&err, EINVAL, "a volume or --tmpfs covers the container's /proc/1: its masked "
                             "paths could not be masked");
    child_fail(a->errfd, 1, &err);
  }
  if (cocin_security_mask_paths(&s->security, null_src, &err) < 0)
    child_fail(a->errfd, 1, &err);
  close(devnull);
  if (s->workdir) {
    if (mkdir_p(s->workdir, 0755, &err) < 0 || chdir(s->workdir) < 0) {
      if (!err)
        cocin_fail_errno(&err, "chdir %s", s->workdir);
      child_fail(a->errfd, 1, &err);
    }
  }
  TRACE("i-masked");
  if (a->joinfd >= 0) {
    /* our cgroup is made: move ourselves in, "0" to each file (cheap, where
     * the monitor writing our pid would wait for an RCU grace period) */
    char joined;
    int fds[FDS_MAX];
    size_t n = FDS_MAX;
    if (fds_recv(a->joinfd, &joined, fds, &n, "the cgroup to join", NULL) < 0) {
      /* the monitor failed, and says why */
      cocin_fail(&err, EIO, "the container was not placed in its cgroup");
      child_fail(a->errfd, 1, &err);
    }
    for (size_t i = 0; i < n; i++) {
      if (write(fds[i], "0", 1) != 1) {
        cocin_fail_errno(&err, "join the container's cgroup");
        child_fail(a->errfd, 1, &err);
      }
      close(fds[i]);
    }
    close(a->joinfd);
  }
  TRACE("i-joined");
  /* the cgroup namespace is rooted at the cgroup we are in now */
  if (unshare(CLONE_NEWCGROUP) < 0 && errno != EINVAL) {
    cocin_fail_errno(&err, "new cgroup namespace");
    child_fail(a->errfd, 1, &err);
  }
  /* Ready: the root is built and we are in our cgroup.  The monitor
   * records us running while we drop privileges and exec; an error
   * from here on follows the mark on the same pipe. */
  if (s->init) /* PID 1 of --init: what stop sends from now on waits for it */
    pid1_block();
  /* From the mark on an exec may join us; until our own exec we are a
   * copy of cocin (its memory, /proc/1/exe its binary): undumpable, that
   * is closed to whatever lacks CAP_SYS_PTRACE.  (The exec makes the
   * command dumpable again.) */
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (a->joinfd >= 0)
    (void)!write(a->errfd, "R", 1);
  /* --init's PID 1, cocin-init, in a sealed memfd: made before a --ulimit
   * fsize could refuse the write, and before seccomp */
  cleanup_close int initfd = -1;
  if (s->init && (initfd = pid1_prepare(&err)) < 0)
    child_fail(a->errfd, 1, &err);
  if (cocin_ulimits_apply(s, &err) < 0) /* while CAP_SYS_RESOURCE is ours */
    child_fail(a->errfd, 1, &err);
  if (cocin_user_enter(s->user, s->group_add, &a->env, s->env, NULL, &err) < 0)
    child_fail(a->errfd, 1, &err);
  if (cocin_security_apply(&s->security, false, &err) < 0)
    child_fail(a->errfd, 1, &err);
  TRACE("i-exec");
  if (s->init) {
    pid1_exec(initfd, s->args, a->env, a->errfd, &err);
    child_fail(a->errfd, 126, &err);
  }
  /* (no noreturn call on the way to a successful execve: under ASan, one
   * on this clone's stack prints a warning into the command's stderr) */
  exec_command(s->args, a->env, &err);
  child_fail(a->errfd, cocin_error_status(&err) == ENOENT ? 127 : 126, &err);
}
