/* cocin — small helpers (see include/cocin/util.h). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cocin/cleanup.h"
#include "cocin/util.h"
#include "internal.h"

#define RENAME_EXCHANGE_FLAG (1 << 1) /* linux/fs.h's RENAME_EXCHANGE */

void *xmalloc0(size_t size)
{
  void *p = calloc(1, size ? size : 1);
  if (p == NULL)
    abort();
  return p;
}

void *xrealloc(void *p, size_t size)
{
  void *r = realloc(p, size ? size : 1);
  if (r == NULL)
    abort();
  return r;
}

char *xstrdup(const char *s)
{
  char *r = strdup(s ? s : "");
  if (r == NULL)
    abort();
  return r;
}

char *xstrndup(const char *s, size_t n)
{
  char *r = strndup(s ? s : "", n);
  if (r == NULL)
    abort();
  return r;
}

char *xasprintf(const char *fmt, ...)
{
  char *r = NULL;
  va_list ap;
  va_start(ap, fmt);
  if (vasprintf(&r, fmt, ap) < 0)
    abort();
  va_end(ap);
  return r;
}

size_t strv_len(char *const *v)
{
  size_t n = 0;
  while (v && v[n])
    n++;
  return n;
}

char **strv_dup(char *const *v)
{
  size_t n = strv_len(v);
  char **r = xmalloc0((n + 1) * sizeof(char *));
  for (size_t i = 0; i < n; i++)
    r[i] = xstrdup(v[i]);
  return r;
}

void strv_append(char ***v, const char *s)
{
  size_t n = strv_len(*v);
  *v = xrealloc(*v, (n + 2) * sizeof(char *));
  (*v)[n] = xstrdup(s);
  (*v)[n + 1] = NULL;
}

void strv_free(char **v)
{
  cocin_strvfreep(&v);
}

static int cmp_strs(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

void strv_sort(char **v)
{
  qsort(v, strv_len(v), sizeof(char *), cmp_strs);
}

bool strv_contains(char *const *v, const char *s)
{
  for (; v && *v; v++)
    if (!strcmp(*v, s))
      return true;
  return false;
}

char *strv_join(char *const *v, const char *sep)
{
  size_t len = 1, n = strv_len(v), seplen = strlen(sep);
  for (size_t i = 0; i < n; i++)
    len += strlen(v[i]) + seplen;
  char *r = xmalloc0(len), *p = r;
  for (size_t i = 0; i < n; i++) {
    if (i) {
      memcpy(p, sep, seplen);
      p += seplen;
    }
    size_t l = strlen(v[i]);
    memcpy(p, v[i], l);
    p += l;
  }
  *p = '\0';
  return r;
}

void str_printable(char *s)
{
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || *s == 0x7f)
      *s = '?';
}

ssize_t write_all(int fd, const void *buf, size_t len)
{
  const char *p = buf;
  size_t done = 0;
  while (done < len) {
    ssize_t w = write(fd, p + done, len - done);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    done += (size_t)w;
  }
  return (ssize_t)done;
}

int read_all_fd(int fd, size_t max, char **out, size_t *len)
{
  size_t cap = 4096, n = 0;
  cleanup_free char *buf = xmalloc0(cap);
  for (;;) {
    if (n + 1 >= cap) {
      cap *= 2;
      buf = xrealloc(buf, cap);
    }
    ssize_t r = read(fd, buf + n, cap - n - 1);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    if (r == 0)
      break;
    n += (size_t)r;
    if (n > max) {
      errno = EFBIG;
      return -1;
    }
  }
  buf[n] = '\0';
  if (len)
    *len = n;
  *out = steal_ptr(buf);
  return 0;
}

int read_all_file(const char *path, char **out, size_t *len, cocin_error_t *err)
{
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return cocin_fail_errno(err, "open %s", path);
  if (read_all_fd(fd, SIZE_MAX, out, len) < 0)
    return cocin_fail_errno(err, "read %s", path);
  return 0;
}

int write_file_atomic(const char *path, const char *data, size_t len, mode_t mode,
                      cocin_error_t *err)
{
  return write_file_atomic_flags(path, data, len, mode, WRITE_DURABLE, err);
}

int write_file_atomic_flags(const char *path, const char *data, size_t len, mode_t mode,
                            enum write_mode how, cocin_error_t *err)
{
  cleanup_free char *tmp = xasprintf("%s.tmp.%d", path, getpid());
  cleanup_close int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  /* the messages name the file the user knows, not the temporary one */
  if (fd < 0)
    return cocin_fail_errno(err, "write %s", path);
  if (write_all(fd, data, len) < 0 || (how == WRITE_DURABLE && fsync(fd) < 0)) {
    cocin_fail_errno(err, "write %s", path);
    unlink(tmp);
    return -1;
  }
  /* A plain rename over the old file, even when not durable: ext4
   * (auto_da_alloc) then writes the new file's data before the rename
   * commits, so a crash leaves the old state or the new, never an empty
   * file.  That write costs: 112 us a rename here (a write, and a
   * synchronous discard when the file goes, on this VM's ext4 mounted
   * with discard), where exchanging the two names and unlinking the old
   * costs 29 us and writes nothing yet.  A file about to be deleted takes
   * the exchange: a crash that empties it loses nothing kept.  Where the
   * file is new, or the filesystem cannot exchange: the rename. */
  if (how == WRITE_DISPOSABLE &&
      syscall(SYS_renameat2, AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE_FLAG) == 0) {
    unlink(tmp); /* the old content, now under the temporary name */
    return 0;
  }
  if (rename(tmp, path) < 0) {
    cocin_fail_errno(err, "rename %s", path);
    unlink(tmp);
    return -1;
  }
  return 0;
}

int write_file_str(const char *path, const char *data, cocin_error_t *err)
{
  cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return cocin_fail_errno(err, "open %s", path);
  if (write_all(fd, data, strlen(data)) < 0)
    return cocin_fail_errno(err, "write %s to %s", data, path);
  return 0;
}

int mkdir_p(const char *path, mode_t mode, cocin_error_t *err)
{
  cleanup_free char *p = xstrdup(path);
  for (char *s = p + 1; *s; s++) {
    if (*s != '/')
      continue;
    *s = '\0';
    if (mkdir(p, mode) < 0 && errno != EEXIST)
      return cocin_fail_errno(err, "mkdir %s", p);
    *s = '/';
  }
  if (mkdir(p, mode) < 0 && errno != EEXIST)
    return cocin_fail_errno(err, "mkdir %s", p);
  return 0;
}

/* Delete a tree with two fds whatever its depth (a container can make its
 * upper layer 100000 directories deep): go down to a directory's first
 * subdirectory, delete files on the way, come back up through ".." once a
 * directory is empty.  Never follows a symlink (O_NOFOLLOW; unlinkat of a
 * link removes the link); the tree must not change meanwhile (a stopped
 * container's layer does not). */
int rm_rf(const char *path, cocin_error_t *err)
{
  if (unlink(path) == 0 || errno == ENOENT)
    return 0;
  if (errno != EISDIR && errno != EPERM)
    return cocin_fail_errno(err, "remove %s", path);
  cleanup_close int cur = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (cur < 0)
    return cocin_fail_errno(err, "remove %s", path);
  cleanup_strv char **stack = xmalloc0(sizeof(char *)); /* names from path down */
  for (;;) {
    char *down = NULL;
    {
      int dfd = dup(cur);
      cleanup_dir DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
      if (d == NULL) {
        if (dfd >= 0)
          close(dfd);
        return cocin_fail_errno(err, "remove %s: read a directory", path);
      }
      struct dirent *de;
      while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
          continue;
        if (de->d_type != DT_DIR) { /* a file, or unknown: try as a file */
          if (unlinkat(cur, de->d_name, 0) == 0 || errno == ENOENT)
            continue;
          if (errno != EISDIR && errno != EPERM)
            return cocin_fail_errno(err, "remove %s: %s", path, de->d_name);
        }
        if (unlinkat(cur, de->d_name, AT_REMOVEDIR) == 0 || errno == ENOENT)
          continue; /* it was empty */
        if (errno != ENOTEMPTY && errno != EEXIST)
          return cocin_fail_errno(err, "remove %s: %s", path, de->d_name);
        down = xstrdup(de->d_name);
        break;
      }
    }
    if (down) {
      int next = openat(cur, down, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (next < 0) {
        free(down);
        return cocin_fail_errno(err, "remove %s: open a directory", path);
      }
      close(cur);
      cur = next;
      strv_append(&stack, down);
      free(down);
      continue;
    }
    /* cur is empty: remove it from its parent and go up */
    size_t depth = strv_len(stack);
    if (depth == 0)
      break;
    int up = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (up < 0)
      return cocin_fail_errno(err, "remove %s: go up", path);
    close(cur);
    cur = up;
    if (unlinkat(cur, stack[depth - 1], AT_REMOVEDIR) < 0 && errno != ENOENT)
      return cocin_fail_errno(err, "remove %s: %s", path, stack[depth - 1]);
    free(stack[depth - 1]);
    stack[depth - 1] = NULL;
  }
  if (rmdir(path) < 0 && errno != ENOENT)
    return cocin_fail_errno(err, "remove %s", path);
  return 0;
}

bool path_exists(const char *path)
{
  struct stat st;
  return lstat(path, &st) == 0;
}

int cocin_random_id(char out[65], cocin_error_t *err)
{
  unsigned char b[32];
  size_t got = 0;
  while (got < sizeof(b)) {
    ssize_t r = getrandom(b + got, sizeof(b) - got, 0);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      return cocin_fail_errno(err, "getrandom");
    }
    got += (size_t)r;
  }
  for (size_t i = 0; i < sizeof(b); i++)
    sprintf(out + 2 * i, "%02x", b[i]);
  out[64] = '\0';
  return 0;
}

int cocin_name_check(const char *name, cocin_error_t *err)
{
  if (name == NULL || *name == '\0')
    return cocin_fail(err, EINVAL, "invalid container name \"\": a name must not be empty");
  size_t len = strlen(name);
  if (len > 128)
    return cocin_fail(err, EINVAL,
                      "invalid container name (%zu characters): at most 128 are allowed", len);
  bool ok = isalnum((unsigned char)name[0]);
  for (size_t i = 1; ok && i < len; i++) {
    unsigned char c = (unsigned char)name[i];
    ok = isalnum(c) || c == '_' || c == '.' || c == '-';
  }
  if (!ok)
    return cocin_fail(err, EINVAL,
                      "invalid container name \"%s\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
                      name);
  if (!strcmp(name, "ctl"))
    return cocin_fail(err, EINVAL, "invalid container name \"%s\": reserved by cocinfs", name);
  return 0;
}

#define VOLUME_NAME_MAX 128

/* docker's volume names: [a-zA-Z0-9][a-zA-Z0-9_.-]+ (two characters at
 * least), here at most 128 */
int cocin_volume_name_check(const char *name, cocin_error_t *err)
{
  size_t len = name ? strlen(name) : 0;
  bool ok = len >= 2 && len <= VOLUME_NAME_MAX && isalnum((unsigned char)name[0]);
  for (size_t i = 1; ok && i < len; i++) {
    unsigned char c = (unsigned char)name[i];
    ok = isalnum(c) || c == '_' || c == '.' || c == '-';
  }
  if (!ok)
    return cocin_fail(err, EINVAL,
                      "invalid volume name \"%s\": 2 to %d characters of "
                      "[a-zA-Z0-9][a-zA-Z0-9_.-] (a host directory is given by its absolute path)",
                      name ? name : "", VOLUME_NAME_MAX);
  return 0;
}

int flock_wait(int fd, int op)
{
  int r;
  while ((r = flock(fd, op)) < 0 && errno == EINTR)
    ;
  return r;
}

void sweep_aside(const char *dir)
{
  cleanup_dir DIR *d = opendir(dir);
  struct dirent *de;
  while (d && (de = readdir(d))) {
    bool rm = !strncmp(de->d_name, ".rm-", 4), tmp = !strncmp(de->d_name, ".tmp-", 5);
    if (!rm && !tmp)
      continue;
    cleanup_close int fd =
        openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || (tmp && (fstat(fd, &st) < 0 || time(NULL) - st.st_mtime < 60)))
      continue;
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
      cleanup_free char *p = xasprintf("%s/%s", dir, de->d_name);
      rm_rf(p, NULL);
    }
  }
}

bool still_there(int fd, const char *dir)
{
  struct stat a, b;
  return fstat(fd, &a) == 0 && stat(dir, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* No gmtime_r: glibc takes its tzset lock there, and a monitor forked from
 * the multithreaded cocinfs must not wait for a lock another thread held at
 * fork time. */
char *cocin_time_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  int64_t days = ts.tv_sec / 86400, secs = ts.tv_sec % 86400, y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  return xasprintf("%04lld-%02u-%02uT%02lld:%02lld:%02lld.%09ldZ", (long long)y, m, d,
                   (long long)(secs / 3600), (long long)(secs / 60 % 60), (long long)(secs % 60),
                   ts.tv_nsec);
}

int64_t cocin_time_parse(const char *s)
{
  struct tm tm = {0};
  if (s == NULL || strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
    return -1;
  return (int64_t)timegm(&tm);
}

char *cocin_time_ago(int64_t then)
{
  int64_t d = (int64_t)time(NULL) - then;
  if (d < 1)
    return xstrdup("Less than a second");
  if (d < 60)
    return xasprintf("%lld second%s", (long long)d, d == 1 ? "" : "s");
  if (d < 120)
    return xstrdup("About a minute");
  if (d < 3600)
    return xasprintf("%lld minutes", (long long)(d / 60));
  if (d < 7200)
    return xstrdup("About an hour");
  if (d < 86400 * 2)
    return xasprintf("%lld hours", (long long)(d / 3600));
  return xasprintf("%lld days", (long long)(d / 86400));
}

uint64_t proc_start_time(pid_t pid)
{
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/stat", pid);
  cleanup_free char *buf = NULL;
  if (read_all_file(path, &buf, NULL, NULL) < 0)
    return 0;
  /* comm may contain spaces and parens: start after the last ')' */
  char *p = strrchr(buf, ')');
  if (p == NULL)
    return 0;
  p += 2; /* field 3, the state */
  if (*p == 'Z' || *p == 'X') /* a zombie has exited: nobody to signal */
    return 0;
  for (int field = 3; field < 22 && p; field++) {
    p = strchr(p, ' ');
    if (p)
      p++;
  }
  if (p == NULL)
    return 0;
  return strtoull(p, NULL, 10);
}

int sys_pidfd_open(pid_t pid)
{
  return (int)syscall(SYS_pidfd_open, pid, 0);
}

int sys_pidfd_send_signal(int pidfd, int sig)
{
  return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

int pidfd_open_checked(pid_t pid, uint64_t start)
{
  if (pid <= 0) {
    errno = ESRCH;
    return -1;
  }
  int fd = sys_pidfd_open(pid);
  if (fd < 0)
    return -1;
  /* The pidfd pins the process; if its start time differs, the pid was
   * reused by an unrelated process.  No recorded start time: no trust. */
  uint64_t now = proc_start_time(pid);
  if (now == 0 || start == 0 || now != start) {
    close(fd);
    errno = ESRCH;
    return -1;
  }
  return fd;
}

static int cmp_int(const void *a, const void *b)
{
  return *(const int *)a - *(const int *)b;
}

uint64_t cocin_fnv1a(uint64_t h, const void *data, size_t len)
{
  const unsigned char *p = data;
  for (size_t i = 0; i < len; i++) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

/* Every descendant of pid, from proc (a /proc of pid's namespace). */
static void collect_tree(int proc, pid_t pid, pid_t **v, size_t *n)
{
  char dir[64];
  snprintf(dir, sizeof(dir), "%d/task", pid);
  int dfd = openat(proc, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_dir DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
  if (d == NULL) {
    if (dfd >= 0)
      close(dfd);
    return;
  }
  struct dirent *de;
  while ((de = readdir(d)) && *n <= 4096) {
    if (de->d_name[0] == '.')
      continue;
    char rel[sizeof(de->d_name) + sizeof("/children")];
    snprintf(rel, sizeof(rel), "%s/children", de->d_name);
    cleanup_close int fd = openat(dirfd(d), rel, O_RDONLY | O_CLOEXEC);
    char text[4096];
    ssize_t len = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;
    if (len <= 0)
      continue;
    text[len] = '\0';
    for (char *s = text, *tok; (tok = strsep(&s, " \n"));) {
      long c;
      if (*tok == '\0' || !parse_long(tok, 1, 0x7fffffff, &c))
        continue;
      *v = xrealloc(*v, (*n + 1) * sizeof(pid_t));
      (*v)[(*n)++] = (pid_t)c;
      collect_tree(proc, (pid_t)c, v, n);
    }
  }
}

void cocin_kill_tree(int proc, pid_t pid)
{
  cleanup_free pid_t *tree = NULL;
  size_t n = 0;
  if (proc >= 0)
    collect_tree(proc, pid, &tree, &n);
  for (size_t i = 0; i < n; i++)
    kill(tree[i], SIGKILL);
  kill(pid, SIGKILL);
}

void cocin_stdio_ensure(void)
{
  /* (the usual case, all three open, without a lookup of /dev/null: on
   * every `cocin run`'s path) */
  if (fcntl(0, F_GETFD) >= 0 && fcntl(1, F_GETFD) >= 0 && fcntl(2, F_GETFD) >= 0)
    return;
  for (int fd = 0; fd <= 2;) {
    fd = open("/dev/null", O_RDWR);
    if (fd < 0)
      break;
    if (fd > 2)
      close(fd);
  }
}

void close_fds_except(int lowfd, const int *keep, size_t nkeep)
{
  /* close_range(2) between the kept fds: no /proc walk on the hot path */
  int kept[CLOSE_FDS_KEEP_MAX + 1], n = 0;
#ifdef COCIN_TRACING
  if (cocin_trace_fd() >= lowfd)
    kept[n++] = cocin_trace_fd();
#endif
  for (size_t i = 0; i < nkeep && n < CLOSE_FDS_KEEP_MAX; i++)
    if (keep[i] >= lowfd)
      kept[n++] = keep[i];
  qsort(kept, (size_t)n, sizeof(int), cmp_int);
  unsigned int from = (unsigned int)lowfd;
  bool ok = true;
  for (int i = 0; i <= n && ok; i++) {
    unsigned int to = i < n ? (unsigned int)kept[i] : ~0U;
    if (to > from)
      ok = syscall(SYS_close_range, from, to - 1, 0) == 0;
    if (i < n && (unsigned int)kept[i] + 1 > from)
      from = (unsigned int)kept[i] + 1;
  }
  if (ok)
    return;
  /* no close_range (kernel < 5.9): walk /proc/self/fd */
  cleanup_dir DIR *d = opendir("/proc/self/fd");
  if (d == NULL)
    return;
  int self = dirfd(d);
  struct dirent *de;
  while ((de = readdir(d))) {
    int fd = atoi(de->d_name);
    if (de->d_name[0] == '.' || fd < lowfd || fd == self)
      continue;
    bool k = false;
    for (int i = 0; i < n; i++)
      k |= kept[i] == fd;
    if (!k)
      close(fd);
  }
}

static const struct {
  const char *name;
  int sig;
} signals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},     {"QUIT", SIGQUIT}, {"ILL", SIGILL},
    {"TRAP", SIGTRAP}, {"ABRT", SIGABRT},   {"BUS", SIGBUS},   {"FPE", SIGFPE},
    {"KILL", SIGKILL}, {"USR1", SIGUSR1},   {"SEGV", SIGSEGV}, {"USR2", SIGUSR2},
    {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},   {"TERM", SIGTERM}, {"CHLD", SIGCHLD},
    {"CONT", SIGCONT}, {"STOP", SIGSTOP},   {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},
    {"TTOU", SIGTTOU}, {"URG", SIGURG},     {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},
    {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},
    {"PWR", SIGPWR},   {"SYS", SIGSYS},
};

int cocin_signal_parse(const char *s)
{
  long n;
  if (s == NULL || *s == '\0')
    return 0;
  if (parse_long(s, 1, 64, &n))
    return (int)n;
  if (!strncasecmp(s, "SIG", 3))
    s += 3;
  for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
    if (!strcasecmp(s, signals[i].name))
      return signals[i].sig;
  return 0;
}

bool parse_long(const char *s, long min, long max, long *out)
{
  if (s == NULL || *s == '\0')
    return false;
  char *end = NULL;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || *end != '\0' || v < min || v > max)
    return false;
  *out = v;
  return true;
}

bool cocin_timeout_parse(const char *s, int *out)
{
  long n;
  if (!parse_long(s, -1, COCIN_TIMEOUT_MAX, &n))
    return false;
  *out = (int)n;
  return true;
}

void cocin_reset_signals(void)
{
  sigset_t none;
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      signal(sig, SIG_DFL);
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
}

#ifdef COCIN_TRACING
int cocin_trace_fd(void)
{
  static int fd = -2;
  if (fd == -2) {
    const char *s = getenv("COCIN_TRACE_FD");
    fd = s ? atoi(s) : -1;
    /* kept by every process of a start, never by the container's command */
    if (fd >= 0 && fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
      fd = -1;
  }
  return fd;
}

void cocin_trace(const char *point)
{
  int fd = cocin_trace_fd();
  if (fd < 0)
    return;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  char line[128];
  int n = snprintf(line, sizeof(line), "%d %s %ld.%09ld\n", (int)getpid(), point, (long)ts.tv_sec,
                   ts.tv_nsec);
  if (n > 0)
    (void)!write(fd, line, (size_t)n);
}
#endif
