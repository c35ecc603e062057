/* The verbs that act: the fuzz harness only parses, so reaching one of
 * these is a bug (abort makes libFuzzer report it). */
#include <stdlib.h>

#include "cocin/runtime.h"

int cocin_run(const char *root, struct cocin_spec *spec, const struct cocin_run_io *io,
              struct cocin_run_result *res, cocin_error_t *err)
{
  abort();
}

int cocin_create(const char *root, struct cocin_spec *spec, char id[65], cocin_error_t *err)
{
  abort();
}

int cocin_stop(const char *root, const char *name, const char *id, int timeout, int sig,
               cocin_error_t *err)
{
  abort();
}

int cocin_kill(const char *root, const char *name, const char *id, int sig, cocin_error_t *err)
{
  abort();
}

int cocin_rm(const char *root, const char *name, const char *id, unsigned flags,
             cocin_error_t *err)
{
  abort();
}

int cocin_start(const char *root, const char *name, const char *id, bool caller_exits,
                cocin_error_t *err)
{
  abort();
}

int cocin_restart(const char *root, const char *name, const char *id, int timeout, int sig,
                  bool caller_exits, cocin_error_t *err)
{
  abort();
}

int cocin_pause(const char *root, const char *name, const char *id, bool pause,
                cocin_error_t *err)
{
  abort();
}

int cocin_update(const char *root, const char *name, const char *id,
                 const struct cocin_limits *given, int restart, int restart_max,
                 cocin_error_t *err)
{
  abort();
}

int cocin_commit(const char *root, const char *name, const char *id, const char *ref,
                 cocin_error_t *err)
{
  abort();
}

int cocin_image_ensure(const char *root, const char *name, char **rootfs, cocin_error_t *err)
{
  abort();
}

int cocin_exec_detached(const char *root, const char *name, const struct cocin_exec_opts *o,
                        int *code, cocin_error_t *err)
{
  abort();
}
