/* cocin — what a thread of the caller prepares for the container while
 * the caller forks its monitor: the network namespace, the container's
 * layers and its overlay mount.
 *
 * Creating a network namespace (about 0.4 ms here: every network
 * subsystem sets itself up) and mounting the overlay (about 0.4 ms: the
 * kernel makes and tests its work directories on the host filesystem)
 * are the costliest parts of starting a container.  Done by the init,
 * both lie on the start's critical path; done by this thread, on another
 * CPU, they overlap the caller's fork and the monitor's clone.
 *
 * - Namespaces belong to threads: a thread that unshares its network
 *   namespace moves only itself, so the caller's threads (cocinfs's
 *   included) stay on the host's network.  The thread brings the loopback
 *   up and opens the namespace; the init joins it with setns().
 * - The overlay is made with the new mount API (fsopen, fsmount): a
 *   detached mount, in no namespace, which the init attaches in its own
 *   with move_mount().  Nobody else ever sees it; when every fd of it is
 *   closed before that, the kernel unmounts it.  Where the API is missing
 *   or refuses (a kernel before 5.2, before 5.10 for "volatile", a path
 *   longer than fsconfig's 256 bytes) the init mounts it with mount(2)
 *   as before, and that gives the error if there is one.
 *
 * The thread starts at once with the namespace, then waits (prep_layers)
 * for the container's directory, which the caller reserves meanwhile.
 * On the host's network (--network host) or another container's
 * (--network container:NAME, which the caller opens) it makes the layers
 * only. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cocin/cleanup.h"
#include "cocin/util.h"
#include "internal.h"

int loopback_up(cocin_error_t *err)
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

static int make_netns(struct prep *p)
{
  if (unshare(CLONE_NEWNET) < 0)
    return cocin_fail_errno(&p->err, "new network namespace");
  if (loopback_up(&p->err) < 0)
    return -1;
  p->netfd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (p->netfd < 0)
    return cocin_fail_errno(&p->err, "open the new network namespace");
  return 0;
}

int make_layers(const char *upper, const char *work, cocin_error_t *err)
{
  /* the upper layer's directory is the root's mode inside: 0755 whatever
   * the caller's umask (077 would lock every user but root out of /) */
  if (mkdir(upper, 0755) < 0 || chmod(upper, 0755) < 0 || mkdir(work, 0700) < 0)
    return cocin_fail_errno(err, "make the container's layers");
  return 0;
}

/* The overlay, detached: its fd; -1: the init mounts it instead (the
 * API is missing, or refuses a path or an option it does not know);
 * -2 with *err: the kernel could not make it (no space, say).  Such a
 * failure is final: overlayfs may have begun its work directory, and a
 * second try would fail on that (EINVAL for a half-made "volatile"). */
static int make_overlay(const struct prep_layers *l, cocin_error_t *err)
{
  cleanup_close int fs = fsopen("overlay", FSOPEN_CLOEXEC);
  if (fs < 0)
    return -1;
  if (fsconfig(fs, FSCONFIG_SET_STRING, "source", "overlay", 0) < 0 ||
      fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir", l->lower, 0) < 0 ||
      fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", l->upper, 0) < 0 ||
      fsconfig(fs, FSCONFIG_SET_STRING, "workdir", l->work, 0) < 0 ||
      (l->volatile_upper && fsconfig(fs, FSCONFIG_SET_FLAG, "volatile", NULL, 0) < 0))
    return -1;
  int fd = -1;
  if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
    fd = fsmount(fs, FSMOUNT_CLOEXEC, l->nodev ? MOUNT_ATTR_NODEV : 0);
  if (fd >= 0 || errno == EINVAL || errno == ENOSYS) /* EINVAL: "volatile" before 5.10 */
    return fd;
  /* the message the init's mount(2) gives: at the container's directory,
   * the upper layer's parent */
  size_t dir = strlen(l->upper) - strlen("/upper");
  cocin_fail_errno(err, "mount overlay at %.*s", (int)dir, l->upper);
  return -2;
}

static void *prep_main(void *arg)
{
  struct prep *p = arg;
  bool ok = !p->want_netns || make_netns(p) == 0;
  TRACE("p-net");
  while (sem_wait(&p->go) < 0 && errno == EINTR)
    ;
  TRACE("p-go");
  const struct prep_layers *l = &p->layers;
  if (!ok || !l->upper) /* failed already, or abandoned */
    return NULL;
  if (l->make && make_layers(l->upper, l->work, &p->err) < 0)
    return NULL;
  TRACE("p-layers");
  int fd = make_overlay(l, &p->err);
  p->ovlfd = fd >= 0 ? fd : -1;
  TRACE("p-ovl");
  return NULL; /* the thread ends, the fds keep what they hold */
}

void prep_start(struct prep *p, bool netns)
{
  *p = (struct prep){.netfd = -1, .ovlfd = -1, .want_netns = netns};
  if (sem_init(&p->go, 0, 0) < 0)
    return;
  /* On another CPU than ours: the scheduler puts a new thread beside its
   * creator (they share a cache), where it would only take turns with
   * the preparations it is meant to run beside. */
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  cpu_set_t cpus;
  int here = sched_getcpu();
  if (here >= 0 && here < CPU_SETSIZE && sched_getaffinity(0, sizeof(cpus), &cpus) == 0) {
    CPU_CLR(here, &cpus);
    if (CPU_COUNT(&cpus) > 0)
      pthread_attr_setaffinity_np(&attr, sizeof(cpus), &cpus);
  }
  p->started = pthread_create(&p->thread, &attr, prep_main, p) == 0;
  pthread_attr_destroy(&attr);
  if (!p->started)
    sem_destroy(&p->go);
}

static void layers_free(struct prep_layers *l)
{
  free(l->lower);
  free(l->upper);
  free(l->work);
  *l = (struct prep_layers){0};
}

bool prep_layers(struct prep *p, const char *lower, const char *upper, const char *work,
                 bool make, bool volatile_upper, bool nodev)
{
  if (!p->started || p->posted)
    return false;
  p->layers = (struct prep_layers){xstrdup(lower), xstrdup(upper), xstrdup(work),
                                   make,           volatile_upper, nodev};
  p->posted = sem_post(&p->go) == 0;
  if (!p->posted)
    layers_free(&p->layers);
  return p->posted;
}

static void prep_join(struct prep *p)
{
  if (!p->posted) { /* nothing to make: the thread ends after the namespace */
    layers_free(&p->layers);
    p->posted = sem_post(&p->go) == 0; /* fails only on a bad semaphore */
  }
  pthread_join(p->thread, NULL);
  sem_destroy(&p->go);
  p->joined = true;
  layers_free(&p->layers);
}

#if defined(__SANITIZE_ADDRESS__)
#define COCIN_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COCIN_ASAN 1
#endif
#endif

void prep_before_fork(struct prep *p)
{
#ifdef COCIN_ASAN
  /* ASan's allocator takes no lock around fork(): a child forked while the
   * thread starts or ends can find an allocator mutex held for ever.
   * glibc's malloc is safe (its fork handlers take every arena lock), so
   * only sanitizer builds give up the overlap. */
  if (p->started && !p->joined)
    prep_join(p);
#else
  (void)p;
#endif
}

int prep_finish(struct prep *p, int *netfd, int *ovlfd, cocin_error_t *err)
{
  *netfd = *ovlfd = -1;
  if (!p->started)
    return -1; /* no thread (EAGAIN): clone and the init make it all */
  if (!p->joined)
    prep_join(p);
  p->started = false;
  if (p->err || (p->want_netns && p->netfd < 0)) {
    if (err)
      *err = steal_ptr(p->err);
    cocin_error_release(&p->err);
    if (p->netfd >= 0)
      close(steal_fd(p->netfd));
    if (p->ovlfd >= 0)
      close(steal_fd(p->ovlfd));
    return -2;
  }
  *netfd = steal_fd(p->netfd);
  *ovlfd = steal_fd(p->ovlfd);
  return 0;
}

void prep_abandon(struct prep *p)
{
  cocin_error_t err = NULL;
  int netfd, ovlfd;
  if (prep_finish(p, &netfd, &ovlfd, &err) == 0) {
    if (netfd >= 0)
      close(netfd);
    if (ovlfd >= 0)
      close(ovlfd);
  }
  cocin_error_release(&err);
}
