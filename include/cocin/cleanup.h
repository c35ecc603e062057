/* cocin — cleanup attributes for fds, memory, streams and child pids
 * (the crun / lxcfs habit).  Hand ownership over with steal_ptr()/steal_fd(). */
#ifndef COCIN_CLEANUP_H
#define COCIN_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"

static inline void cocin_freep(void *p)
{
  void **pp = (void **)p;
  free(*pp);
  *pp = NULL;
}
static inline void cocin_closep(int *fd)
{
  if (*fd >= 0) {
    int saved = errno;
    close(*fd);
    errno = saved;
  }
  *fd = -1;
}
static inline void cocin_fclosep(FILE **f)
{
  if (*f)
    fclose(*f);
  *f = NULL;
}
static inline void cocin_closedirp(DIR **d)
{
  if (*d)
    closedir(*d);
  *d = NULL;
}
/* A child we started and still own: killed and reaped if still set. */
static inline void cocin_reap_pidp(pid_t *pid)
{
  if (*pid > 0) {
    int saved = errno;
    kill(*pid, SIGKILL);
    while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
      ;
    errno = saved;
  }
  *pid = -1;
}
static inline void cocin_strvfreep(char ***v)
{
  if (*v) {
    for (char **p = *v; *p; p++)
      free(*p);
    free(*v);
  }
  *v = NULL;
}
static inline void cocin_errorp(cocin_error_t *err) { cocin_error_release(err); }

#define cleanup_free __attribute__((cleanup(cocin_freep)))
#define cleanup_close __attribute__((cleanup(cocin_closep)))
#define cleanup_fclose __attribute__((cleanup(cocin_fclosep)))
#define cleanup_dir __attribute__((cleanup(cocin_closedirp)))
#define cleanup_pid __attribute__((cleanup(cocin_reap_pidp)))
#define cleanup_strv __attribute__((cleanup(cocin_strvfreep)))
#define cleanup_error __attribute__((cleanup(cocin_errorp)))

static inline void *cocin_steal_ptr(void *pp)
{
  void **p = (void **)pp;
  void *r = *p;
  *p = NULL;
  return r;
}
#define steal_ptr(p) cocin_steal_ptr(&(p))
static inline int cocin_steal_fd(int *fd)
{
  int r = *fd;
  *fd = -1;
  return r;
}
#define steal_fd(fd) cocin_steal_fd(&(fd))

#endif
