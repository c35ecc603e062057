/* cocin — the container's network namespace, made by a thread of the
 * caller while it prepares the rest of the run.
 *
 * Creating a network namespace is the costliest part of starting a
 * container (about 0.4 ms here: every network subsystem sets itself up),
 * and with clone(CLONE_NEWNET) it lies on the start's critical path, in
 * the monitor's clone.  Namespaces belong to threads: a thread that
 * unshares its network namespace moves only itself, so the caller's
 * threads (cocinfs's included) stay on the host's network.  The thread
 * brings the loopback up and opens the namespace; the init joins it with
 * setns() before it mounts sysfs (which shows the network of its mounter). */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
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

static void *make_netns(void *arg)
{
  struct netns_maker *m = arg;
  if (unshare(CLONE_NEWNET) < 0) {
    cocin_fail_errno(&m->err, "new network namespace");
    return NULL;
  }
  if (loopback_up(&m->err) < 0)
    return NULL;
  m->fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (m->fd < 0)
    cocin_fail_errno(&m->err, "open the new network namespace");
  return NULL; /* the thread ends, the fd keeps the namespace */
}

void netns_start(struct netns_maker *m)
{
  m->fd = -1;
  m->err = NULL;
  m->joined = false;
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
  m->started = pthread_create(&m->thread, &attr, make_netns, m) == 0;
  pthread_attr_destroy(&attr);
}

#if defined(__SANITIZE_ADDRESS__)
#define COCIN_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COCIN_ASAN 1
#endif
#endif

void netns_before_fork(struct netns_maker *m)
{
#ifdef COCIN_ASAN
  /* ASan's allocator takes no lock around fork(): a child forked while the
   * thread starts or ends can find an allocator mutex held for ever.
   * glibc's malloc is safe (its fork handlers take every arena lock), so
   * only sanitizer builds give up the overlap. */
  if (m->started && !m->joined) {
    pthread_join(m->thread, NULL);
    m->joined = true;
  }
#else
  (void)m;
#endif
}

int netns_finish(struct netns_maker *m, cocin_error_t *err)
{
  if (!m->started)
    return -1; /* no thread (EAGAIN): clone makes the namespace instead */
  if (!m->joined)
    pthread_join(m->thread, NULL);
  m->started = false;
  if (m->fd < 0) {
    if (err)
      *err = steal_ptr(m->err);
    cocin_error_release(&m->err);
    return -2;
  }
  return steal_fd(m->fd);
}

void netns_abandon(struct netns_maker *m)
{
  cocin_error_t err = NULL;
  int fd = netns_finish(m, &err);
  if (fd >= 0)
    close(fd);
  cocin_error_release(&err);
}
