/* cocin — health checks (--health-cmd, docker's HEALTHCHECK).
 *
 * A running container with a check has a checker: a process of its
 * monitor's ("cocin-health" in ps), forked once the container runs and
 * killed when it ends (it also dies with the monitor).  Every interval it
 * runs the test in the container as `exec` runs a command (cocin_exec_start:
 * the container's namespaces, cgroup, user, environment and security),
 * its output captured (4096 bytes at most), and kills it after the
 * timeout (the exec's lifeline).  Each result is written into the record
 * under the container's lock: "health": {"status": "starting" | "healthy"
 * | "unhealthy", "failingStreak": N, "log": [the last 5 probes]}, as
 * docker keeps State.Health.  The monitor resets it to "starting" when it
 * records the container running. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/state.h"
#include "cocin/util.h"
#include "internal.h"

#define HEALTH_OUTPUT_MAX 4096 /* docker's */
#define HEALTH_LOG_MAX 5       /* docker's */

static int64_t mono_ms(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms)
{
  struct timespec t = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  while (nanosleep(&t, &t) < 0 && errno == EINTR)
    ;
}

void health_reset(cJSON *cfg, bool has_check)
{
  cJSON_DeleteItemFromObjectCaseSensitive(cfg, "health");
  if (!has_check)
    return;
  cJSON *h = cJSON_AddObjectToObject(cfg, "health");
  cJSON_AddStringToObject(h, "status", "starting");
  cJSON_AddNumberToObject(h, "failingStreak", 0);
  cJSON_AddArrayToObject(h, "log");
}

struct probe {
  const char *id;
  char *start, *end;
  int exit_code; /* -1: it did not end by itself (timeout), or never ran */
  char *output;
  bool in_start_period;
  int retries;
};

/* One probe's result into the record (a container that no longer runs,
 * or runs again since, is left as it is) */
static int record_probe(cJSON *cfg, void *data, cocin_error_t *err)
{
  const struct probe *p = data;
  if (cocin_state_check_id(cfg, p->id, err) < 0)
    return -1;
  const char *st = cj_str(cfg, "status");
  cJSON *h = cJSON_GetObjectItemCaseSensitive(cfg, "health");
  if (st == NULL || strcmp(st, "running") || !cJSON_IsObject(h))
    return 0;
  cJSON *log = cJSON_GetObjectItemCaseSensitive(h, "log");
  if (!cJSON_IsArray(log)) {
    cJSON_DeleteItemFromObjectCaseSensitive(h, "log");
    log = cJSON_AddArrayToObject(h, "log");
  }
  cJSON *e = cJSON_CreateObject();
  cJSON_AddStringToObject(e, "start", p->start);
  cJSON_AddStringToObject(e, "end", p->end);
  cJSON_AddNumberToObject(e, "exitCode", p->exit_code);
  cJSON_AddStringToObject(e, "output", p->output);
  cJSON_AddItemToArray(log, e);
  while (cJSON_GetArraySize(log) > HEALTH_LOG_MAX)
    cJSON_DeleteItemFromArray(log, 0);
  const char *was = cj_str(h, "status");
  int streak = (int)cj_int(h, "failingStreak", 0);
  const char *now = was ? was : "starting";
  if (p->exit_code == 0) {
    now = "healthy";
    streak = 0;
  } else if (!(p->in_start_period && !strcmp(now, "starting"))) {
    /* (within the start period, until it has once been healthy, a
     * failure is not counted: docker's rule) */
    if (++streak >= p->retries)
      now = "unhealthy";
  }
  cj_set_str(h, "status", now);
  cj_set_num(h, "failingStreak", streak);
  return 0;
}

/* What cocin_exec_start's child printed, until it ends or the deadline;
 * 1 if it ended, 0 at the deadline */
static int collect(int out, pid_t pid, int64_t deadline, char *buf, size_t *len)
{
  cleanup_close int pfd = sys_pidfd_open(pid);
  bool open_out = true;
  for (;;) {
    int64_t left = deadline - mono_ms();
    if (left <= 0)
      return 0;
    struct pollfd p[2] = {{open_out ? out : -1, POLLIN, 0}, {pfd, POLLIN, 0}};
    int n = poll(p, 2, left > 1000000 ? 1000000 : (int)left);
    if (n < 0 && errno != EINTR)
      return 0;
    if (n <= 0)
      continue;
    if (p[0].revents) {
      char tmp[1024];
      ssize_t r = read(out, tmp, sizeof(tmp));
      if (r <= 0) {
        open_out = false; /* the end of its output: its end comes next */
      } else {
        size_t take = (size_t)r < HEALTH_OUTPUT_MAX - *len ? (size_t)r : HEALTH_OUTPUT_MAX - *len;
        memcpy(buf + *len, tmp, take);
        *len += take;
      }
    }
    if (pfd < 0 || p[1].revents) {
      /* ended: what it printed and is still in the pipe (a process it
       * left in the background may hold the pipe: not waited for) */
      ssize_t r;
      char tmp[1024];
      (void)fcntl(out, F_SETFL, O_NONBLOCK);
      while (open_out && (r = read(out, tmp, sizeof(tmp))) > 0) {
        size_t take = (size_t)r < HEALTH_OUTPUT_MAX - *len ? (size_t)r : HEALTH_OUTPUT_MAX - *len;
        memcpy(buf + *len, tmp, take);
        *len += take;
      }
      return 1;
    }
  }
}

/* Run the test once: 1 with p filled, 0 if the container does not run
 * (paused: skipped this time, 2), -1 if it is gone */
static int probe_once(const char *root, const char *name, const char *id,
                      const struct cocin_health *h, struct probe *p)
{
  int out[2], life[2];
  if (pipe2(out, O_CLOEXEC) < 0)
    return 2;
  if (pipe2(life, O_CLOEXEC) < 0) {
    close(out[0]);
    close(out[1]);
    return 2;
  }
  cleanup_close int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  struct cocin_exec_opts o = {
      .args = h->test, .id = id, .console_sock = -1, .lifeline = life[0]};
  int stdio[3] = {devnull, out[1], out[1]};
  p->start = cocin_time_now();
  int64_t deadline = mono_ms() + h->timeout_ms;
  pid_t pid = -1;
  cocin_error_t err = NULL;
  int r = cocin_exec_start(root, name, &o, stdio, &pid, &err);
  close(out[1]);
  close(life[0]);
  if (r < 0) {
    close(out[0]);
    close(life[1]);
    int st = cocin_error_status(&err);
    if (st == ESRCH || (st == ENOENT && strstr(cocin_error_msg(&err), "no such container"))) {
      cocin_error_release(&err);
      return -1;
    }
    if (st == EBUSY) { /* paused: no probe, as docker skips one */
      cocin_error_release(&err);
      return 2;
    }
    p->end = cocin_time_now();
    p->exit_code = -1;
    p->output = xstrdup(cocin_error_msg(&err));
    cocin_error_release(&err);
    return 1;
  }
  char buf[HEALTH_OUTPUT_MAX + 1];
  size_t len = 0;
  bool ended = collect(out[0], pid, deadline, buf, &len) == 1;
  close(out[0]);
  close(life[1]); /* at the deadline: the command and what it started are killed */
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  p->end = cocin_time_now();
  buf[len] = '\0';
  if (ended) {
    p->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    p->output = xstrdup(buf);
  } else { /* docker's words */
    p->exit_code = -1;
    p->output = xasprintf("Health check exceeded timeout (%lldms)", (long long)h->timeout_ms);
  }
  return 1;
}

static void probe_free(struct probe *p)
{
  free(p->start);
  free(p->end);
  free(p->output);
  memset(p, 0, sizeof(*p));
}

static _Noreturn void health_main(const char *root, const char *name, const char *id,
                                  const struct cocin_health *h)
{
  int64_t started = mono_ms();
  for (;;) {
    sleep_ms(h->interval_ms);
    cleanup_free char *now = cocin_state_follow(root, name, id); /* renamed since */
    struct probe p = {.id = id, .retries = h->retries};
    p.in_start_period = mono_ms() - started < h->start_period_ms;
    int r = probe_once(root, now, id, h, &p);
    if (r < 0)
      _exit(0);
    if (r == 1) {
      cocin_error_t err = NULL;
      int u = cocin_state_update_volatile(root, now, record_probe, &p, &err);
      bool gone = u < 0 && cocin_error_status(&err) == ENOENT;
      cocin_error_release(&err);
      probe_free(&p);
      if (gone)
        _exit(0);
    }
  }
}

pid_t health_start(const char *root, const char *name, const char *id,
                   const struct cocin_health *h)
{
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid != 0)
    return pid; /* (-1: none; the container runs without its checks) */
  /* dies with the monitor, holds nothing of its (the caller's status
   * pipe, the log, a pty) */
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (getppid() != parent)
    _exit(0);
  prctl(PR_SET_NAME, "cocin-health", 0, 0, 0);
  close_fds_except(3, NULL, 0);
  health_main(root, name, id, h);
}
