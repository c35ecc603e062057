/* cocin — argument parsers of the small verbs, shared by the CLI and the
 * filesystem's ctl files so both speak one grammar. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <string.h>

#include "cocin/cgroup.h"
#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/util.h"

static int collect_names(int argc, char **argv, int pos, const char *verb, char ***names,
                         cocin_error_t *err)
{
  if (pos >= argc)
    return cocin_fail(err, EINVAL, "%s: requires at least one container name", verb);
  cleanup_strv char **v = xmalloc0(sizeof(char *));
  for (int i = pos; i < argc; i++)
    strv_append(&v, argv[i]);
  *names = steal_ptr(v);
  return 0;
}

enum { V_TIME = 1, V_SIGNAL, V_FORCE, V_VOLUMES };

/* -s SIGNAL (kill, stop, restart): a name or a number */
static int signal_arg(const char *verb, const char *v, int *sig, cocin_error_t *err)
{
  *sig = cocin_signal_parse(v);
  if (*sig <= 0)
    return cocin_fail(err, EINVAL, "%s: invalid signal \"%s\"", verb, v);
  return 0;
}

static int int_opt(const struct cocin_opt *o, const char *v, void *data, cocin_error_t *err)
{
  switch (o->id) {
  case V_SIGNAL:
    return signal_arg("kill", v, data, err);
  case V_FORCE:
    *(unsigned *)data |= COCIN_RM_FORCE;
    return 0;
  case V_VOLUMES:
    *(unsigned *)data |= COCIN_RM_VOLUMES;
    return 0;
  default:
    return cocin_fail(err, EINVAL, "unhandled flag");
  }
}

struct timeout_arg {
  const char *verb;
  int *timeout, *sig;
};

static int timeout_opt(const struct cocin_opt *o, const char *v, void *data, cocin_error_t *err)
{
  const struct timeout_arg *t = data;
  if (o->id == V_SIGNAL)
    return signal_arg(t->verb, v, t->sig, err);
  /* -1: wait as long as it takes, never SIGKILL (docker, podman) */
  if (!cocin_timeout_parse(v, t->timeout))
    return cocin_fail_usage(err, "%s: invalid timeout \"%s\": expected seconds, or -1 for no limit",
                            t->verb, v); /* (docker's int flag: its code is a flag's) */
  return 0;
}

/* stop and restart: [-t SECS] [-s SIGNAL] NAME... (docker 23's -s) */
static int parse_timeout_names(const char *verb, int argc, char **argv, int *timeout, int *sig,
                               char ***names, cocin_error_t *err)
{
  static const struct cocin_opt t[] = {{'t', "time", OPT_REQUIRED, V_TIME},
                                       {0, "timeout", OPT_REQUIRED, V_TIME},
                                       {'s', "signal", OPT_REQUIRED, V_SIGNAL},
                                       {0, NULL, OPT_NONE, 0}};
  int pos = 0;
  *timeout = COCIN_TIMEOUT_DEFAULT; /* the container's own, or 10 */
  *sig = 0;                         /* its stop signal */
  struct timeout_arg arg = {verb, timeout, sig};
  if (cocin_opts_parse_mixed(t, argc, argv, &pos, timeout_opt, &arg, verb, err) < 0)
    return -1;
  return collect_names(argc, argv, pos, verb, names, err);
}

int cocin_parse_stop(int argc, char **argv, int *timeout, int *sig, char ***names,
                     cocin_error_t *err)
{
  return parse_timeout_names("stop", argc, argv, timeout, sig, names, err);
}

int cocin_parse_kill(int argc, char **argv, int *sig, char ***names, cocin_error_t *err)
{
  static const struct cocin_opt t[] = {{'s', "signal", OPT_REQUIRED, V_SIGNAL},
                                       {0, NULL, OPT_NONE, 0}};
  int pos = 0;
  *sig = SIGKILL;
  if (cocin_opts_parse_mixed(t, argc, argv, &pos, int_opt, sig, "kill", err) < 0)
    return -1;
  return collect_names(argc, argv, pos, "kill", names, err);
}

int cocin_parse_rm(int argc, char **argv, unsigned *flags, char ***names, cocin_error_t *err)
{
  /* -v: docker's "and its anonymous volumes" */
  static const struct cocin_opt t[] = {{'f', "force", OPT_NONE, V_FORCE},
                                       {'v', "volumes", OPT_NONE, V_VOLUMES},
                                       {0, NULL, OPT_NONE, 0}};
  int pos = 0;
  *flags = 0;
  if (cocin_opts_parse_mixed(t, argc, argv, &pos, int_opt, flags, "rm", err) < 0)
    return -1;
  return collect_names(argc, argv, pos, "rm", names, err);
}

int cocin_parse_names(const char *verb, int argc, char **argv, char ***names, cocin_error_t *err)
{
  static const struct cocin_opt t[] = {{0, NULL, OPT_NONE, 0}};
  int pos = 0;
  if (cocin_opts_parse_mixed(t, argc, argv, &pos, int_opt, NULL, verb, err) < 0)
    return -1;
  return collect_names(argc, argv, pos, verb, names, err);
}


int cocin_parse_restart(int argc, char **argv, int *timeout, int *sig, char ***names,
                        cocin_error_t *err)
{
  return parse_timeout_names("restart", argc, argv, timeout, sig, names, err);
}

/* ---- exec ---------------------------------------------------------------- */

void cocin_exec_opts_free(struct cocin_exec_opts *o)
{
  strv_free(o->args);
  strv_free(o->env);
  free(o->workdir);
  free(o->user);
  memset(o, 0, sizeof(*o));
}

enum { X_INTERACTIVE = 1, X_TTY, X_ENV, X_ENV_FILE, X_WORKDIR, X_USER, X_DETACH };
static const struct cocin_opt exec_opts[] = {
    {'i', "interactive", OPT_NONE, X_INTERACTIVE},
    {'t', "tty", OPT_NONE, X_TTY},
    {'e', "env", OPT_REQUIRED, X_ENV},
    {0, "env-file", OPT_REQUIRED, X_ENV_FILE},
    {'w', "workdir", OPT_REQUIRED, X_WORKDIR},
    {'u', "user", OPT_REQUIRED, X_USER},
    {'d', "detach", OPT_NONE, X_DETACH},
    {0, NULL, OPT_NONE, 0},
};

struct exec_parse {
  struct cocin_exec_opts *o;
  bool interactive;
  size_t env_file_n; /* the first entries of o->env, from --env-file */
};

static int exec_opt(const struct cocin_opt *opt, const char *v, void *data, cocin_error_t *err)
{
  struct exec_parse *p = data;
  switch (opt->id) {
  case X_INTERACTIVE:
    p->interactive = true;
    return 0;
  case X_TTY:
    p->o->tty = true;
    return 0;
  case X_ENV:
    return cocin_env_add(&p->o->env, v, p->o->env_from_caller, "exec", err);
  case X_ENV_FILE:
    return cocin_env_file_add(&p->o->env, &p->env_file_n, v, p->o->env_from_caller, "exec", err);
  case X_WORKDIR:
    if (v[0] != '/')
      return cocin_fail(err, EINVAL, "exec: workdir \"%s\" must be an absolute path", v);
    free(p->o->workdir);
    p->o->workdir = xstrdup(v);
    return 0;
  case X_USER:
    if (cocin_user_check(v, err) < 0)
      return cocin_error_wrap(err, "exec");
    free(p->o->user);
    p->o->user = xstrdup(v);
    return 0;
  case X_DETACH:
    p->o->detach = true;
    return 0;
  default:
    return cocin_fail(err, EINVAL, "exec: unhandled flag");
  }
}

int cocin_exec_parse(struct cocin_exec_opts *o, const char *container, char **name,
                     bool *interactive, int argc, char **argv, cocin_error_t *err)
{
  struct exec_parse p = {o, false, 0};
  int pos = 0;
  if (cocin_opts_parse(exec_opts, argc, argv, &pos, exec_opt, &p, "exec", err) < 0)
    return -1;
  if (container == NULL && pos >= argc)
    return cocin_fail(err, EINVAL, "exec: requires a container name and a command");
  *name = xstrdup(container ? container : argv[pos++]);
  if (pos >= argc)
    return cocin_fail(err, EINVAL, "exec: requires a command to run in %s", *name);
  /* docker's -dt and -di would hold a terminal or an input nobody feeds */
  if (o->detach && (o->tty || p.interactive))
    return cocin_fail(err, EINVAL,
                      "exec: -d cannot be combined with -%c: a detached command has no "
                      "terminal or input",
                      o->tty ? 't' : 'i');
  o->args = xmalloc0((size_t)(argc - pos + 1) * sizeof(char *));
  for (int i = pos; i < argc; i++)
    o->args[i - pos] = xstrdup(argv[i]);
  if (interactive)
    *interactive = p.interactive;
  return 0;
}

struct update_parse {
  struct cocin_limits *given;
  int *restart, *restart_max;
};

static int update_opt(const struct cocin_opt *o, const char *v, void *data, cocin_error_t *err)
{
  struct update_parse *u = data;
  if (o->id == 2)
    return cocin_restart_parse(v, u->restart, u->restart_max, "update", err);
  return cocin_limits_set(u->given, o->long_name, v, err) < 0 ? cocin_error_wrap(err, "update") : 0;
}

int cocin_parse_update(int argc, char **argv, struct cocin_limits *given, int *restart,
                       int *restart_max, char ***names, cocin_error_t *err)
{
  static const struct cocin_opt t[] = {{'m', "memory", OPT_REQUIRED, 1},
                                       {0, "memory-swap", OPT_REQUIRED, 1},
                                       {0, "cpus", OPT_REQUIRED, 1},
                                       {0, "cpu-period", OPT_REQUIRED, 1},
                                       {0, "cpu-quota", OPT_REQUIRED, 1},
                                       {'c', "cpu-shares", OPT_REQUIRED, 1},
                                       {0, "cpuset-cpus", OPT_REQUIRED, 1},
                                       {0, "cpuset-mems", OPT_REQUIRED, 1},
                                       {0, "pids-limit", OPT_REQUIRED, 1},
                                       {0, "restart", OPT_REQUIRED, 2},
                                       {0, NULL, OPT_NONE, 0}};
  int pos = 0;
  memset(given, 0, sizeof(*given));
  *restart = -1;
  *restart_max = 0;
  struct update_parse u = {given, restart, restart_max};
  if (cocin_opts_parse_mixed(t, argc, argv, &pos, update_opt, &u, "update", err) < 0) {
    cocin_limits_free(given);
    return -1;
  }
  if (cocin_limits_check_cpu(given, err) < 0) {
    cocin_limits_free(given);
    return cocin_error_wrap(err, "update");
  }
  if (!cocin_limits_any(given) && *restart < 0) {
    cocin_limits_free(given);
    return cocin_fail(err, EINVAL, "update: give at least one limit (-m, --memory-swap, --cpus, "
                                   "--cpu-period, --cpu-quota, -c, --cpuset-cpus, --cpuset-mems, "
                                   "--pids-limit) or --restart");
  }
  if (collect_names(argc, argv, pos, "update", names, err) < 0) {
    cocin_limits_free(given);
    return -1;
  }
  return 0;
}

int cocin_parse_commit(int argc, char **argv, char **name, char **image, cocin_error_t *err)
{
  static const struct cocin_opt t[] = {{0, NULL, OPT_NONE, 0}};
  int pos = 0;
  *name = *image = NULL;
  if (cocin_opts_parse_mixed(t, argc, argv, &pos, int_opt, NULL, "commit", err) < 0)
    return -1;
  if (argc - pos != 2)
    return cocin_fail(err, EINVAL, "commit: requires exactly 2 arguments: CONTAINER IMAGE");
  *image = cocin_image_name(argv[pos + 1], err);
  if (*image == NULL)
    return cocin_error_wrap(err, "commit");
  *name = xstrdup(argv[pos]);
  return 0;
}
