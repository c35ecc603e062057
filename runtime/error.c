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
  if (*err) /* never overwrite the first, most precise error */
    cocin_error_release(err);
  struct cocin_error_s *e = calloc(1, sizeof(*e));
  if (e == NULL)
    abort();
  e->status = errnum ? errnum : EIO;
  e->msg = msg;
  *err = e;
  return -1;
}

int cocin_fail(cocin_error_t *err, int errnum, const char *fmt, ...)
{
  char *msg = NULL;
  va_list ap;
  va_start(ap, fmt);
  if (vasprintf(&msg, fmt, ap) < 0)
    abort();
  va_end(ap);
  return set_error(err, errnum, msg);
}

int cocin_fail_errno(cocin_error_t *err, const char *fmt, ...)
{
  int saved = errno;
  char *ctx = NULL, *msg = NULL;
  va_list ap;
  va_start(ap, fmt);
  if (vasprintf(&ctx, fmt, ap) < 0)
    abort();
  va_end(ap);
  if (asprintf(&msg, "%s: %s", ctx, strerror(saved)) < 0)
    abort();
  free(ctx);
  return set_error(err, saved, msg);
}

int cocin_error_wrap(cocin_error_t *err, const char *fmt, ...)
{
  if (err == NULL || *err == NULL)
    return -1;
  char *ctx = NULL, *msg = NULL;
  va_list ap;
  va_start(ap, fmt);
  if (vasprintf(&ctx, fmt, ap) < 0)
    abort();
  va_end(ap);
  if (asprintf(&msg, "%s: %s", ctx, (*err)->msg ? (*err)->msg : "error") < 0)
    abort();
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
