/* cocin logs [-f] [--tail N] NAME */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cocin/cleanup.h"
#include "cocin/spec.h"
#include "cocin/state.h"
#include "cocin/util.h"

enum { L_FOLLOW = 1, L_TAIL };
struct logs_opts {
  bool follow;
  long tail; /* -1: all */
};

static int logs_opt(const struct cocin_opt *o, const char *v, void *data, cocin_error_t *err)
{
  struct logs_opts *l = data;
  if (o->id == L_FOLLOW) {
    l->follow = true;
    return 0;
  }
  if (!strcmp(v, "all")) {
    l->tail = -1;
    return 0;
  }
  if (!parse_long(v, LONG_MIN, LONG_MAX, &l->tail))
    return cocin_fail(err, EINVAL, "logs: invalid --tail \"%s\": expected a number, or all", v);
  if (l->tail < 0) /* docker's reading of a negative count */
    l->tail = -1;
  return 0;
}

/* Offset where the last n lines of fd begin. */
static off_t tail_offset(int fd, long n)
{
  struct stat st;
  if (fstat(fd, &st) < 0 || st.st_size == 0)
    return 0;
  char buf[8192];
  off_t end = st.st_size, pos = end;
  long lines = 0;
  bool first = true;
  while (pos > 0) {
    size_t chunk = pos > (off_t)sizeof(buf) ? sizeof(buf) : (size_t)pos;
    pos -= (off_t)chunk;
    if (pread(fd, buf, chunk, pos) != (ssize_t)chunk)
      return 0;
    for (size_t i = chunk; i-- > 0;) {
      if (buf[i] != '\n')
        continue;
      if (first && pos + (off_t)i == end - 1) /* the final newline */
        continue;
      if (++lines == n)
        return pos + (off_t)i + 1;
    }
    first = false;
  }
  return 0;
}

/* The container id still runs (not another that took its name since;
 * renamed, it is followed). */
static bool still_running(const char *root, const char *name, const char *id)
{
  cJSON *cfg = NULL;
  cleanup_free char *now = cocin_state_follow(root, name, id);
  if (cocin_state_load(root, now, &cfg, NULL) < 0)
    return false;
  const char *st = cj_str(cfg, "status");
  bool r = st && (!strcmp(st, "running") || !strcmp(st, "created")) &&
           cocin_state_check_id(cfg, id, NULL) == 0;
  cJSON_Delete(cfg);
  return r;
}

/* fd (-1: no log yet) from where it is to its end; following, until the
 * container id no longer runs */
static int copy_log(const char *root, const char *name, const char *id, int fd, const char *path,
                    bool follow)
{
  char buf[65536];
  for (;;) {
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : 0;
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return cli_fail("logs: read %s: %s", path, strerror(errno));
    if (n > 0) {
      if (write_all(1, buf, (size_t)n) < 0)
        return 1;
      continue;
    }
    if (!follow)
      break;
    bool running = still_running(root, name, id);
    if (!running) {
      /* one last read: what was written just before the exit */
      while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
        write_all(1, buf, (size_t)n);
      break;
    }
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  return 0;
}

int cmd_logs(const char *root, int argc, char **argv)
{
  static const struct cocin_opt t[] = {{'f', "follow", OPT_NONE, L_FOLLOW},
                                       {'n', "tail", OPT_REQUIRED, L_TAIL},
                                       {0, NULL, OPT_NONE, 0}};
  struct logs_opts l = {false, -1};
  int pos = 0;
  cleanup_error cocin_error_t err = NULL;
  if (cocin_opts_parse_mixed(t, argc, argv, &pos, logs_opt, &l, "logs", &err) < 0)
    return cli_error(&err);
  if (pos != argc - 1)
    return cli_fail("logs: requires exactly one container name");
  cleanup_free char *name = cocin_state_resolve(root, argv[pos], &err);
  cJSON *cfg = NULL;
  if (name == NULL || cocin_state_load(root, name, &cfg, &err) < 0)
    return cli_error(&err);
  cleanup_free char *id = cj_str(cfg, "id") ? xstrdup(cj_str(cfg, "id")) : NULL;
  cJSON_Delete(cfg);
  cleanup_free char *path = cocin_container_file(root, name, "container.log");
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno != ENOENT)
    return cli_fail("logs: open %s: %s", path, strerror(errno));
  if (fd < 0 && !l.follow)
    return 0; /* a foreground container has no log */
  if (fd >= 0 && l.tail >= 0)
    lseek(fd, l.tail == 0 ? lseek(fd, 0, SEEK_END) : tail_offset(fd, l.tail), SEEK_SET);
  return copy_log(root, name, id, fd, path, l.follow);
}
