/* cocin — stop, kill, rm, wait.  Every signal goes through a pidfd that
 * was checked against the recorded start time, so a reused pid is never
 * signalled (the seed's stop could kill an unrelated process). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/state.h"
#include "cocin/util.h"
#include "internal.h"

static bool is_running(const cJSON *cfg)
{
  const char *st = cj_str(cfg, "status");
  return st && !strcmp(st, "running");
}

/* Wait until fd (a pidfd) is readable: the process exited.  ms < 0: forever. */
static bool pidfd_wait(int fd, int ms)
{
  struct pollfd p = {.fd = fd, .events = POLLIN};
  for (;;) {
    int r = poll(&p, 1, ms);
    if (r < 0 && errno == EINTR)
      continue;
    return r > 0;
  }
}

static int monitor_pidfd(const cJSON *cfg)
{
  return pidfd_open_checked((pid_t)cj_int(cfg, "monitorPid", 0),
                            (uint64_t)cj_int(cfg, "monitorStartTime", 0));
}

static int init_pidfd(const cJSON *cfg)
{
  return pidfd_open_checked((pid_t)cj_int(cfg, "pid", 0),
                            (uint64_t)cj_int(cfg, "pidStartTime", 0));
}

static int set_stop_requested(cJSON *cfg, void *data, cocin_error_t *err)
{
  cj_set_bool(cfg, "stopRequested", true);
  return 0;
}

static int set_remove_requested(cJSON *cfg, void *data, cocin_error_t *err)
{
  cj_set_bool(cfg, "removeRequested", true);
  return 0;
}

/* After the init died: wait for its monitor to record the exit. */
static void wait_monitor(const cJSON *cfg)
{
  cleanup_close int mfd = monitor_pidfd(cfg);
  if (mfd >= 0)
    pidfd_wait(mfd, 10000);
}

static int load_cgroup(const cJSON *cfg, struct cocin_cgroup **cg)
{
  *cg = NULL;
  const cJSON *j = cJSON_GetObjectItemCaseSensitive(cfg, "cgroup");
  if (j == NULL || cJSON_IsNull(j))
    return 0;
  return cocin_cgroup_from_json(j, cg, NULL);
}

static bool is_starting(const cJSON *cfg)
{
  const char *st = cj_str(cfg, "status");
  return st && !strcmp(st, "created");
}

/* The record once its start is over, as docker's stop waits for a start:
 * stopped then, a starting container would run on after a stop that said
 * done; killed, its run would fail.  A start takes milliseconds: after
 * 10 s (a monitor held up) the record is taken as it is. */
static int load_started(const char *root, const char *name, cJSON **cfg, cocin_error_t *err)
{
  for (int ms = 0;; ms += 10) {
    if (cocin_state_load(root, name, cfg, err) < 0)
      return -1;
    if (!is_starting(*cfg) || ms >= 10000)
      return 0;
    /* a starting record names its monitor as its creator */
    cleanup_close int mfd = pidfd_open_checked((pid_t)cj_int(*cfg, "creatorPid", 0),
                                               (uint64_t)cj_int(*cfg, "creatorStartTime", 0));
    if (mfd < 0) /* no monitor: a stale record, read as it is */
      return 0;
    cJSON_Delete(*cfg);
    *cfg = NULL;
    pidfd_wait(mfd, 10);
  }
}

int cocin_stop(const char *root, const char *name, int timeout, cocin_error_t *err)
{
  cJSON *cfg = NULL;
  if (load_started(root, name, &cfg, err) < 0)
    return -1;
  if (!is_running(cfg)) {
    cJSON_Delete(cfg);
    return 0; /* already exited: not an error, rm still works */
  }
  /* "stopped", not "exited", once it ends; a record that cannot be
   * written (a full filesystem) does not keep it from stopping */
  cocin_error_t serr = NULL;
  if (cocin_state_update(root, name, set_stop_requested, NULL, &serr) < 0 &&
      cocin_error_status(&serr) == ENOENT) {
    cJSON_Delete(cfg);
    if (err)
      *err = steal_ptr(serr);
    return -1;
  }
  cocin_error_release(&serr);
  cleanup_close int pfd = init_pidfd(cfg);
  if (pfd >= 0) {
    sys_pidfd_send_signal(pfd, SIGTERM);
    if (!pidfd_wait(pfd, timeout < 0 ? -1 : timeout * 1000)) {
      struct cocin_cgroup *cg = NULL;
      if (load_cgroup(cfg, &cg) == 0 && cg) {
        cocin_cgroup_kill(cg, SIGKILL, NULL);
        cocin_cgroup_free(cg);
      }
      sys_pidfd_send_signal(pfd, SIGKILL);
      pidfd_wait(pfd, 10000);
    }
  }
  wait_monitor(cfg);
  cJSON_Delete(cfg);
  return 0;
}

int cocin_kill(const char *root, const char *name, int sig, cocin_error_t *err)
{
  cJSON *cfg = NULL;
  if (cocin_state_load(root, name, &cfg, err) < 0)
    return -1;
  bool running = is_running(cfg);
  cleanup_close int pfd = running ? init_pidfd(cfg) : -1;
  cJSON_Delete(cfg);
  if (!running || pfd < 0)
    return cocin_fail(err, ESRCH, "container %s is not running", name);
  if (sys_pidfd_send_signal(pfd, sig) < 0)
    return cocin_fail_errno(err, "kill %s", name);
  return 0;
}

int cocin_rm(const char *root, const char *name, bool force, cocin_error_t *err)
{
  cJSON *cfg = NULL;
  if (cocin_state_load(root, name, &cfg, err) < 0) {
    if (cocin_error_status(err) == ENOENT) { /* or a dead run's bare directory */
      cocin_error_t lerr = NULL;
      int r = container_remove_leftover(root, name, &lerr);
      if (r != 0) /* removed, or its reason instead of "no such container" */
        cocin_error_release(err);
      if (r < 0 && err)
        *err = steal_ptr(lerr);
      cocin_error_release(&lerr);
      return r > 0 ? 0 : -1;
    }
    /* rm -f of a container whose config.json is unreadable (a crash lost
     * its data): nothing is known to run, its directory goes */
    if (!force || cocin_error_status(err) == 0)
      return -1;
    cocin_error_release(err);
    if (container_remove(root, name, NULL, NULL, false, err) < 0)
      return -1;
    cocin_trash_sweep(root);
    return 0;
  }
  bool starting = is_starting(cfg); /* a stale one reads as exited */
  if (!force && (is_running(cfg) || starting)) {
    cJSON_Delete(cfg);
    return cocin_fail(err, EBUSY, "container %s is %s: stop it first, or use rm -f", name,
                      starting ? "starting" : "running");
  }
  /* a --rm container's monitor removes it itself once it has stopped */
  bool autoremove = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cfg, "autoRemove"));
  int r = 0;
  if (is_running(cfg)) {
    r = cocin_stop(root, name, 0, err);
  } else {
    if (starting) {
      /* its init may not be in its cgroup yet (that removal would miss
       * it, and the files go while it mounts its root there): by pid.
       * The mark first: the run it fails says it was removed. */
      (void)cocin_state_update(root, name, set_remove_requested, NULL, NULL);
      cleanup_close int pfd = init_pidfd(cfg);
      if (pfd >= 0 && sys_pidfd_send_signal(pfd, SIGKILL) == 0)
        pidfd_wait(pfd, 10000);
    }
    wait_monitor(cfg); /* it may still be writing the exit down */
  }
  cJSON_Delete(cfg);
  /* under its lock, where rm without -f looks again */
  if (r == 0)
    r = container_remove(root, name, NULL, NULL, !force, err);
  if (r < 0 && !(autoremove && cocin_error_status(err) == ENOENT))
    return -1;
  cocin_error_release(err);
  cocin_trash_sweep(root); /* what a killed monitor left */
  return 0;
}

int cocin_wait(const char *root, const char *name, bool (*interrupted)(void), cocin_error_t *err)
{
  for (;;) {
    cJSON *cfg = NULL;
    if (cocin_state_load(root, name, &cfg, err) < 0)
      return -1;
    const char *st = cj_str(cfg, "status");
    bool done = st && (!strcmp(st, "exited") || !strcmp(st, "stopped"));
    int code = (int)cj_int(cfg, "exitCode", -1);
    cleanup_close int mfd = done ? -1 : monitor_pidfd(cfg);
    cJSON_Delete(cfg);
    if (done)
      return code < 0 ? 255 : code;
    if (mfd >= 0) {
      while (!pidfd_wait(mfd, 200))
        if (interrupted && interrupted())
          return cocin_fail(err, EINTR, "wait for %s: interrupted", name);
    } else {
      struct timespec ts = {0, 100 * 1000 * 1000};
      nanosleep(&ts, NULL);
      if (interrupted && interrupted())
        return cocin_fail(err, EINTR, "wait for %s: interrupted", name);
    }
  }
}
