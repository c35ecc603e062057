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
  /* the log of the probes kept across starts, as docker keeps it */
  cJSON *old = cJSON_DetachItemFromObjectCaseSensitive(cfg, "health");
  cJSON *log = old ? cJSON_DetachItemFromObjectCaseSensitive(old, "log") : NULL;
  cJSON_Delete(old);
  if (!has_check) {
    cJSON_Delete(log);
    return;
  }
  cJSON *h = cJSON_AddObjectToObject(cfg, "health");
  cJSON_AddStringToObject(h, "status", "starting");
  cJSON_AddNumberToObject(h, "failingStreak", 0);
  if (cJSON_IsArray(log))
    cJSON_AddItemToObject(h, "log", log);
  else {
    cJSON_Delete(log);
    cJSON_AddArrayToObject(h, "log");
  }
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

/* n bytes of what a probe printed into buf (len so far), HEALTH_OUTPUT_MAX
 * at most */
static void keep(char *buf, size_t *len, const char *in, size_t n)
{
  size_t take = n < HEALTH_OUTPUT_MAX - *len ? n : HEALTH_OUTPUT_MAX - *len;
  memcpy(buf + *len, in, take);
  *len += take;
}

/* What cocin_exec_start's child printed, until it ends or the deadline;
 * 1 if it ended, 0 at the deadline */
static int collect(int out, pid_t pid, int64_t deadline, char *buf, size_t *len)
{
  cleanup_close int pfd = sys_pidfd_open(pid);
  bool open_out = true;
  for (;;) {
    int64_t left = deadline - mono_ms();
    struct pollfd p[2] = {{open_out ? out : -1, POLLIN, 0}, {pfd, POLLIN, 0}};
    int n = poll(p, 2, left <= 0 ? 0 : left > 1000000 ? 1000000 : (int)left);
    if (n < 0 && errno != EINTR)
      return 0;
    if (n == 0 && left <= 0) /* (one last look first: it may have just ended) */
      return 0;
    if (n <= 0)
      continue;
    char tmp[1024];
    if (p[0].revents) {
      ssize_t r = read(out, tmp, sizeof(tmp));
      if (r <= 0)
        open_out = false; /* the end of its output: its end comes next */
      else
        keep(buf, len, tmp, (size_t)r);
    }
    if (p[1].revents) {
      /* ended: what it printed and is still in the pipe, without waiting
       * (a process it left in the background may hold the pipe, and
       * write on: 64 KiB at most are read) */
      (void)fcntl(out, F_SETFL, O_NONBLOCK);
      ssize_t r;
      for (int i = 0; open_out && i < 64 && (r = read(out, tmp, sizeof(tmp))) > 0; i++)
        keep(buf, len, tmp, (size_t)r);
      return 1;
    }
  }
}

/* s as valid UTF-8 for the record (JSON's strings are UTF-8): a NUL, a
 * byte that begins no character, and a character cut at the end become
 * U+FFFD, as docker's encoder writes them */
static char *utf8_clean(const char *s, size_t n)
{
  char *out = xmalloc0(3 * n + 1), *o = out;
  for (size_t i = 0; i < n;) {
    unsigned char c = (unsigned char)s[i];
    size_t k = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    bool ok = k > 0 && c != 0 && i + k <= n && !(k == 2 && c < 0xC2);
    for (size_t j = 1; ok && j < k; j++)
      ok = ((unsigned char)s[i + j] & 0xC0) == 0x80;
    if (ok) {
      memcpy(o, s + i, k);
      o += k;
      i += k;
    } else {
      memcpy(o, "\xEF\xBF\xBD", 3);
      o += 3;
      i++;
    }
  }
  *o = '\0';
  return out;
}

/* A duration as Go prints one ("30s", "1m30s", "200ms", "1.5s"): the
 * timeout in docker's message */
static char *go_duration(int64_t ms)
{
  if (ms < 1000)
    return xasprintf("%lldms", (long long)ms);
  int64_t h = ms / 3600000, m = ms / 60000 % 60, sec = ms / 1000 % 60, frac = ms % 1000;
  char f[8] = "";
  if (frac) {
    snprintf(f, sizeof(f), ".%03lld", (long long)frac);
    for (size_t l = strlen(f); l > 1 && f[l - 1] == '0'; l--) /* (".5", not ".500") */
      f[l - 1] = '\0';
  }
  if (h)
    return xasprintf("%lldh%lldm%lld%ss", (long long)h, (long long)m, (long long)sec, f);
  if (m)
    return xasprintf("%lldm%lld%ss", (long long)m, (long long)sec, f);
  return xasprintf("%lld%ss", (long long)sec, f);
}

/* Run the test once: 1 with p filled, 2 if there is nothing to record
 * (the container does not run now, is paused, was renamed meanwhile) */
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
    /* not running (it is ending: the monitor ends us), renamed meanwhile
     * (the next look finds it), paused (docker skips such a probe too) */
    if (st == ESRCH || st == EBUSY ||
        (st == ENOENT && strstr(cocin_error_msg(&err), "no such container"))) {
      cocin_error_release(&err);
      return 2;
    }
    p->end = cocin_time_now();
    p->exit_code = -1;
    p->output = xstrdup(cocin_error_msg(&err));
    cocin_error_release(&err);
    return 1;
  }
  char buf[HEALTH_OUTPUT_MAX];
  size_t len = 0;
  bool ended = collect(out[0], pid, deadline, buf, &len) == 1;
  close(out[0]);
  close(life[1]); /* at the deadline: the command and what it started are killed */
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  p->end = cocin_time_now();
  if (ended) {
    p->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    p->output = utf8_clean(buf, len);
  } else { /* docker's words */
    p->exit_code = -1;
    cleanup_free char *d = go_duration(h->timeout_ms);
    p->output = xasprintf("Health check exceeded timeout (%s)", d);
  }
  return 1;
}

static void probe_free(struct probe *p)
{
  free(p->start);
  free(p->end);
  free(p->output);
  p->start = p->end = p->output = NULL;
}

/* The record says the container is paused now */
static bool paused_now(const char *root, const char *name)
{
  cJSON *cfg = NULL;
  bool r = cocin_state_load_raw(root, name, &cfg, NULL) == 0 && cj_bool(cfg, "paused");
  cJSON_Delete(cfg);
  return r;
}

/* Runs until the monitor ends it (SIGTERM, once the container has ended;
 * SIGKILL if the monitor dies): it never ends by itself, so that no look
 * that misses the container (renamed at that moment) ends its checks. */
static _Noreturn void health_main(const char *root, const char *name, const char *id,
                                  const struct cocin_health *h, int init)
{
  int64_t started = mono_ms();
  cleanup_free char *cur = xstrdup(name);
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  for (;;) {
    sleep_ms(h->interval_ms);
    char *now = cocin_state_follow(root, cur, id); /* renamed since */
    free(cur);
    cur = now;
    struct probe p = {.id = id, .retries = h->retries};
    p.in_start_period = mono_ms() - started < h->start_period_ms;
    int r = probe_once(root, cur, id, h, &p);
    /* a probe the container's end cut short, or a pause held up, says
     * nothing of its health: not recorded */
    struct pollfd pf = {init, POLLIN, 0};
    bool ended = init >= 0 && poll(&pf, 1, 0) == 1;
    if (r == 1 && !ended && !paused_now(root, cur)) {
      /* SIGTERM held meanwhile: the monitor's never cuts a write short
       * (a temporary file left beside config.json) */
      sigprocmask(SIG_BLOCK, &term, NULL);
      (void)cocin_state_update_volatile(root, cur, record_probe, &p, NULL);
      sigprocmask(SIG_UNBLOCK, &term, NULL);
    }
    probe_free(&p);
  }
}

pid_t health_start(const char *root, const char *name, const char *id,
                   const struct cocin_health *h, pid_t init)
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
  signal(SIGTERM, SIG_DFL); /* the monitor's way to end us */
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigprocmask(SIG_UNBLOCK, &term, NULL);
  health_main(root, name, id, h, sys_pidfd_open(init));
}
