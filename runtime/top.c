/* cocin — top: the processes of a running container, as docker top shows
 * them (the host's `ps -ef` columns for the pids in the container's
 * cgroup and pid namespace): UID PID PPID C STIME TTY TIME CMD, pids as
 * the host sees them. */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cocin/cgroup.h"
#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/state.h"
#include "cocin/util.h"

struct proc {
  char state;
  long ppid, tty;
  unsigned long long ticks, start; /* utime + stime; start after boot, both in clock ticks */
  char comm[64];
};

/* From /proc/PID/status: the effective uid (ps -ef's UID; -1 if not
 * read) and how deep the process's pid namespace lies below ours (the
 * count of its NSpid entries); 0 if the process is gone. */
static int read_status(pid_t pid, uid_t *euid)
{
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
  cleanup_free char *text = NULL;
  if (read_all_file(path, &text, NULL, NULL) < 0)
    return 0;
  char *l = strstr(text, "\nUid:");
  unsigned long real, eff;
  *euid = l && sscanf(l + 5, "%lu %lu", &real, &eff) == 2 ? (uid_t)eff : (uid_t)-1;
  l = strstr(text, "\nNSpid:");
  int depth = 0;
  for (char *s = l ? l + 7 : NULL; s && *s && *s != '\n';) {
    s += strspn(s, " \t");
    if (*s < '0' || *s > '9')
      break;
    depth++;
    s += strspn(s, "0123456789");
  }
  return depth;
}

/* /proc/PID/stat; false if the process is gone. */
static bool read_stat(pid_t pid, struct proc *p)
{
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  cleanup_free char *text = NULL;
  if (read_all_file(path, &text, NULL, NULL) < 0)
    return false;
  /* the command name may hold spaces and ')': it ends at the last ')' */
  char *lp = strchr(text, '('), *rp = strrchr(text, ')');
  if (lp == NULL || rp == NULL || rp < lp || rp[1] != ' ')
    return false;
  snprintf(p->comm, sizeof(p->comm), "%.*s", (int)(rp - lp - 1), lp + 1);
  str_printable(p->comm);
  unsigned long long ut = 0, st = 0;
  /* fields 3..22: state ppid pgrp session tty_nr tpgid flags minflt
   * cminflt majflt cmajflt utime stime cutime cstime priority nice
   * num_threads itrealvalue starttime */
  if (sscanf(rp + 2, "%c %ld %*d %*d %ld %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d %llu",
             &p->state, &p->ppid, &p->tty, &ut, &st, &p->start) != 6)
    return false;
  p->ticks = ut + st;
  return true;
}

/* The command line, arguments joined by spaces; "[comm]" for a kernel
 * thread or a process whose arguments are gone (a zombie). */
static char *read_cmd(pid_t pid, const char *comm)
{
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
  char *text = NULL;
  size_t len = 0;
  if (read_all_file(path, &text, &len, NULL) < 0 || len == 0) {
    free(text);
    return xasprintf("[%s]", comm);
  }
  while (len > 0 && text[len - 1] == '\0')
    len--;
  for (size_t i = 0; i < len; i++)
    if (text[i] == '\0')
      text[i] = ' ';
  text[len] = '\0';
  str_printable(text);
  return text;
}

static void tty_name(long nr, char *buf, size_t size)
{
  unsigned major = ((unsigned long)nr >> 8) & 0xfff;
  unsigned minor = ((unsigned long)nr & 0xff) | (((unsigned long)nr >> 12) & 0xfff00);
  if (nr == 0)
    snprintf(buf, size, "?");
  else if (major >= 136 && major <= 143)
    snprintf(buf, size, "pts/%u", minor + (major - 136) * 256);
  else if (major == 4 && minor < 64)
    snprintf(buf, size, "tty%u", minor);
  else if (major == 4)
    snprintf(buf, size, "ttyS%u", minor - 64);
  else
    snprintf(buf, size, "%u,%u", major, minor);
}

/* /proc/stat's btime: the host's boot, in seconds since the epoch. */
static time_t boot_time(void)
{
  cleanup_free char *text = NULL;
  if (read_all_file("/proc/stat", &text, NULL, NULL) < 0)
    return 0;
  char *l = strstr(text, "\nbtime ");
  return l ? (time_t)strtoll(l + 7, NULL, 10) : 0;
}

/* The host's name for uid, as ps prints it: cut to 8 characters with a
 * '+' at the end where longer (procps), the number where it has none.  An
 * entry too big for the first buffer (ERANGE) is looked up again in a
 * bigger one. */
static void user_name(uid_t uid, char *out, size_t size)
{
  struct passwd pw, *found = NULL;
  int r = ERANGE;
  for (size_t len = 1024; r == ERANGE && len <= 1024 * 1024; len *= 4) {
    cleanup_free char *buf = xmalloc0(len);
    r = getpwuid_r(uid, &pw, buf, len, &found);
    if (r == 0 && found) {
      size_t n = strlen(found->pw_name);
      if (n > 8)
        snprintf(out, size, "%.7s+", found->pw_name);
      else
        snprintf(out, size, "%s", found->pw_name);
      return;
    }
  }
  snprintf(out, size, "%lu", (unsigned long)uid);
}

static void row(FILE *f, pid_t pid, const struct proc *p, uid_t uid, time_t now, time_t boot,
                long hz)
{
  char user[64], tty[32], stime[16], cputime[32];
  if (uid == (uid_t)-1)
    snprintf(user, sizeof(user), "?");
  else
    user_name(uid, user, sizeof(user));
  tty_name(p->tty, tty, sizeof(tty));
  /* ps: STIME is the time of day the same day, the date the same year,
   * else the year */
  time_t start = boot + (time_t)(p->start / (unsigned long long)hz);
  struct tm tm, today;
  localtime_r(&start, &tm);
  localtime_r(&now, &today);
  strftime(stime, sizeof(stime),
           tm.tm_year != today.tm_year ? "%Y"
           : tm.tm_yday != today.tm_yday ? "%b%d"
                                         : "%H:%M",
           &tm);
  unsigned long long secs = p->ticks / (unsigned long long)hz;
  if (secs >= 86400)
    snprintf(cputime, sizeof(cputime), "%llu-%02llu:%02llu:%02llu", secs / 86400,
             secs / 3600 % 24, secs / 60 % 60, secs % 60);
  else
    snprintf(cputime, sizeof(cputime), "%02llu:%02llu:%02llu", secs / 3600, secs / 60 % 60,
             secs % 60);
  /* C: CPU use over the process's life, in percent (ps's integer "C") */
  double alive = difftime(now, start);
  unsigned c = alive > 0 ? (unsigned)((double)p->ticks / (double)hz * 100.0 / alive) : 0;
  cleanup_free char *cmd = read_cmd(pid, p->comm);
  fprintf(f, "%-8s %7d %7ld %2u %-5s %-8s %8s %s%s\n", user, (int)pid, p->ppid, c > 99 ? 99 : c,
          stime, tty, cputime, cmd, p->state == 'Z' ? " <defunct>" : "");
}

int cocin_top(const char *root, const char *name, char **out, cocin_error_t *err)
{
  *out = NULL;
  cJSON *cfg = NULL;
  if (cocin_state_load(root, name, &cfg, err) < 0)
    return -1;
  const char *st = cj_str(cfg, "status");
  pid_t init = (pid_t)cj_int(cfg, "pid", 0);
  cleanup_close int pfd = st && !strcmp(st, "running")
                              ? pidfd_open_checked(init, (uint64_t)cj_int(cfg, "pidStartTime", 0))
                              : -1;
  struct cocin_cgroup *cg = NULL;
  const cJSON *j = cJSON_GetObjectItemCaseSensitive(cfg, "cgroup");
  int r = 0;
  if (pfd < 0)
    r = cocin_fail(err, ESRCH, "container %s is not running", name);
  else if (j == NULL || cJSON_IsNull(j))
    r = cocin_fail(err, ENOTSUP, "container %s has no cgroup to list its processes from", name);
  else
    r = cocin_cgroup_from_json(j, &cg, err);
  cJSON_Delete(cfg);
  if (r < 0)
    return -1;
  cleanup_free pid_t *pids = NULL;
  size_t n = cocin_cgroup_pids(cg, &pids);
  cocin_cgroup_free(cg);
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (f == NULL)
    return cocin_fail_errno(err, "top");
  fputs(COCIN_TOP_HEADER, f); /* the columns of row() */
  time_t now = time(NULL), boot = boot_time();
  long hz = sysconf(_SC_CLK_TCK);
  if (hz <= 0)
    hz = 100;
  /* The container's processes are those of its pid namespace and the
   * namespaces below it: an exec's helper, in the cgroup but in ours (it
   * forks the command into the container's), is cocin's. */
  uid_t uid;
  int depth = read_status(init, &uid);
  for (size_t i = 0; i < n; i++) {
    struct proc p;
    if (depth > 0 && read_status(pids[i], &uid) >= depth && read_stat(pids[i], &p)) /* gone: not listed */
      row(f, pids[i], &p, uid, now, boot, hz);
  }
  /* the init gone meanwhile: the list may hold another namespace's */
  struct pollfd pf = {.fd = pfd, .events = POLLIN};
  bool ended = depth == 0 || poll(&pf, 1, 0) != 0;
  if (fclose(f) != 0 || text == NULL || ended) {
    free(text);
    if (ended)
      return cocin_fail(err, ESRCH, "container %s is not running", name);
    return cocin_fail_errno(err, "top");
  }
  *out = text;
  return 0;
}
