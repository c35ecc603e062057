/* cocin — small helpers shared by the runtime, the CLI and cocinfs. */
#ifndef COCIN_UTIL_H
#define COCIN_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* Allocation that never returns NULL: out of memory aborts (crun's xmalloc). */
void *xmalloc0(size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* NULL-terminated string vectors. */
size_t strv_len(char *const *v);
char **strv_dup(char *const *v);
void strv_append(char ***v, const char *s);
void strv_free(char **v);
/* Join with single spaces (for display only; argv is never re-split). */
char *strv_join(char *const *v, const char *sep);
/* In strcmp's order, in place. */
void strv_sort(char **v);
bool strv_contains(char *const *v, const char *s);
/* What a container may not put on the caller's terminal, or pass for a
 * line of its own: every control byte of s becomes '?' (ps's way). */
void str_printable(char *s);

/* Files. */
int read_all_file(const char *path, char **out, size_t *len, cocin_error_t *err);
/* fd to its end into *out (NUL-terminated, *len without it): -1 with errno,
 * EFBIG once past max bytes. */
int read_all_fd(int fd, size_t max, char **out, size_t *len);
/* temp file + rename: readers see the old or the new content, never half. */
enum write_mode {
  /* a plain rename over the old file: on ext4 (auto_da_alloc, its
   * default) a crash leaves the old content or the new, as the new data is
   * written out first; elsewhere it may leave an empty file */
  WRITE_PLAIN,
  /* fsync'ed before the rename: the content survives a crash (the rename
   * may not: the directory is not synced, and the old content comes back) */
  WRITE_DURABLE,
  /* a file soon deleted (an --rm container's record): RENAME_EXCHANGE,
   * which spares the data write, so a crash may leave it empty */
  WRITE_DISPOSABLE,
};
int write_file_atomic(const char *path, const char *data, size_t len, mode_t mode,
                      cocin_error_t *err); /* WRITE_DURABLE */
int write_file_atomic_flags(const char *path, const char *data, size_t len, mode_t mode,
                            enum write_mode how, cocin_error_t *err);
int write_file_str(const char *path, const char *data, cocin_error_t *err);
int mkdir_p(const char *path, mode_t mode, cocin_error_t *err);
int rm_rf(const char *path, cocin_error_t *err);
bool path_exists(const char *path);
/* Write all of buf, retrying on EINTR and short writes. */
ssize_t write_all(int fd, const void *buf, size_t len);

/* 64 hex characters of getrandom(). */
int cocin_random_id(char out[65], cocin_error_t *err);

/* Container names: [a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}, and none of the names
 * reserved by the filesystem view ("ctl"). */
int cocin_name_check(const char *name, cocin_error_t *err);
/* A volume's name: [a-zA-Z0-9][a-zA-Z0-9_.-]+, at most 128 characters. */
int cocin_volume_name_check(const char *name, cocin_error_t *err);

/* Time helpers: RFC 3339 UTC with nanoseconds, and parsing it back. */
char *cocin_time_now(void);
int64_t cocin_time_parse(const char *rfc3339); /* seconds since epoch, -1 */
/* "5 seconds ago", "About a minute ago", "3 hours ago" like docker. */
char *cocin_time_ago(int64_t then);

/* /proc/<pid>/stat field 22 (start time in clock ticks); 0 if gone or a
 * zombie. */
uint64_t proc_start_time(pid_t pid);
/* pidfd for pid, only if its start time is still `start` (guards against
 * pid reuse; start 0 is never trusted).  Returns -1 with errno ESRCH if the
 * process is gone. */
int pidfd_open_checked(pid_t pid, uint64_t start);
int sys_pidfd_open(pid_t pid);
int sys_pidfd_send_signal(int pidfd, int sig);

/* Default dispositions for every signal and an empty mask: what a freshly
 * exec'd command expects, whatever its launcher ignored or blocked. */
void cocin_reset_signals(void);

/* 0, 1 and 2 open (on /dev/null where the caller closed them), so that
 * no descriptor of ours lands there: printf would write into a state
 * file, a child's stdio would be our socket.  At the top of main(). */
void cocin_stdio_ensure(void);
/* Close every fd >= lowfd except the n listed (negative entries ignored;
 * at most CLOSE_FDS_KEEP_MAX are kept). */
#define CLOSE_FDS_KEEP_MAX 160
void close_fds_except(int lowfd, const int *keep, size_t n);
/* FNV-1a over len bytes, from h (COCIN_FNV_INIT to start): a cache key, a
 * hash slot. */
#define COCIN_FNV_INIT 0xcbf29ce484222325ULL
uint64_t cocin_fnv1a(uint64_t h, const void *data, size_t len);
/* SIGKILL pid and every descendant of it, found in proc (an fd of a /proc
 * that shows pid's namespace; -1: pid alone). */
void cocin_kill_tree(int proc, pid_t pid);

/* Start-up tracing (meson -Dtrace=true): "PID POINT SECONDS" lines, on
 * CLOCK_MONOTONIC, written to the fd COCIN_TRACE_FD names; tests/bench/
 * trace.sh turns them into a timeline.  Compiled out otherwise. */
#ifdef COCIN_TRACING
void cocin_trace(const char *point);
int cocin_trace_fd(void);
#define TRACE(point) cocin_trace(point)
#else
#define TRACE(point) ((void)0)
#endif

/* Signal names: "TERM", "SIGTERM", "15" -> 15; 0 on error. */
int cocin_signal_parse(const char *s);

/* Parse a decimal integer in [min, max]; false on junk or range. */
bool parse_long(const char *s, long min, long max, long *out);

/* A stop timeout in seconds (stop -t, --stop-timeout): -1 (no limit) up to
 * COCIN_TIMEOUT_MAX, which stays a millisecond int; false otherwise. */
#define COCIN_TIMEOUT_MAX (2147483647 / 1000)
bool cocin_timeout_parse(const char *s, int *out);

#endif
