/* cocin — errors that carry a message up the stack (crun style).
 *
 * Every fallible library function takes `cocin_error_t *err`, returns a
 * negative value on failure and fills *err with an errno-like status and a
 * message.  Callers add context with cocin_error_wrap() while passing it up;
 * only a front end (CLI, FUSE) decides how to show it. */
#ifndef COCIN_ERROR_H
#define COCIN_ERROR_H

#include <stdarg.h>

struct cocin_error_s {
  int status; /* errno value: EINVAL, ENOENT, EEXIST, EBUSY, EPERM, ... */
  char *msg;
  /* a command line's flags could not be read (an unknown flag, one
   * without its argument): the CLI exits 125 for it, as docker's does */
  int usage;
};
typedef struct cocin_error_s *cocin_error_t;

/* Set *err (which must be NULL) and return -1.  errnum 0 means EIO. */
int cocin_fail(cocin_error_t *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like cocin_fail, with ": strerror(errno)" appended and errno as status. */
int cocin_fail_errno(cocin_error_t *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Like cocin_fail with EINVAL, for a flag that cannot be read (usage). */
int cocin_fail_usage(cocin_error_t *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prefix "context: " to the message in *err; returns -1. */
int cocin_error_wrap(cocin_error_t *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void cocin_error_release(cocin_error_t *err);

static inline int cocin_error_status(const cocin_error_t *err)
{
  return (err && *err) ? (*err)->status : 0;
}
static inline int cocin_error_is_usage(const cocin_error_t *err)
{
  return err && *err && (*err)->usage;
}
static inline const char *cocin_error_msg(const cocin_error_t *err)
{
  return (err && *err && (*err)->msg) ? (*err)->msg : "unknown error";
}

#endif
