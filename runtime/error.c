/* cocin — error values (see include/cocin/error.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cocin/error.h"

static int set_error(cocin_error_t *err, int errnum, char *msg)
{
  if (err == NULL) {
    free(msg);
    return -1;
  }
  if (*err) /* a later error replaces an earlier one nobody reported */
    cocin_error_release(err);
  struct cocin_error_s *e = calloc(1, sizeof(*e));
  if (e == NULL)
    abort();
  e->status = errnum ? errnum : EIO;
  e->msg = msg;
  *err = e;
  return -1;
}

__attribute__((format(printf, 1, 0))) static char *vformat(const char *fmt, va_list ap)
{
  char *s = NULL;
  if (vasprintf(&s, fmt, ap) < 0)
    abort();
  return s;
}

static char *join(const char *a, const char *b)
{
  char *s = NULL;
  if (asprintf(&s, "%s: %s", a, b) < 0)
    abort();
  return s;
}

int cocin_fail(cocin_error_t *err, int errnum, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char *msg = vformat(fmt, ap);
  va_end(ap);
  return set_error(err, errnum, msg);
}

int cocin_fail_usage(cocin_error_t *err, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char *msg = vformat(fmt, ap);
  va_end(ap);
  set_error(err, EINVAL, msg);
  if (err && *err)
    (*err)->usage = 1;
  return -1;
}

int cocin_fail_errno(cocin_error_t *err, const char *fmt, ...)
{
  int saved = errno;
  va_list ap;
  va_start(ap, fmt);
  char *ctx = vformat(fmt, ap);
  va_end(ap);
  char *msg = join(ctx, strerror(saved));
  free(ctx);
  return set_error(err, saved, msg);
}

int cocin_error_wrap(cocin_error_t *err, const char *fmt, ...)
{
  if (err == NULL || *err == NULL)
    return -1;
  va_list ap;
  va_start(ap, fmt);
  char *ctx = vformat(fmt, ap);
  va_end(ap);
  char *msg = join(ctx, (*err)->msg ? (*err)->msg : "error");
  free(ctx);
  free((*err)->msg);
  (*err)->msg = msg;
  return -1;
}

void cocin_error_release(cocin_error_t *err)
{
  if (err == NULL || *err == NULL)
    return;
  free((*err)->msg);
  free(*err);
  *err = NULL;
}
