/* cocinfs — the grammar of the control files: one table of verbs per
 * scope {verb, min args, max args, parse, run} (Plan 9 style).  The words
 * are split like a shell splits them, with no shell; the arguments are the
 * CLI's, parsed by the same library functions.  Parsing never touches the
 * state store (it reads only what --env-file names), so the fuzz harness
 * can drive it alone. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cocin/cleanup.h"
#include "cocin/state.h"
#include "cocin/runtime.h"
#include "cocin/util.h"
#include "cocin/words.h"
#include "cocinfs.h"

typedef int (*fs_parse_fn)(struct fs_cmd *cmd, const char *container, int argc, char **argv,
                           cocin_error_t *err);
typedef int (*fs_run_fn)(const char *root, struct fs_cmd *cmd, char **reply, cocin_error_t *err);

/* the verbs that act on containers by name (run_names); run is none */
enum name_op {
  OP_NONE, OP_EXEC, OP_STOP, OP_KILL, OP_RM, OP_START, OP_RESTART, OP_PAUSE, OP_UNPAUSE, OP_COMMIT,
  OP_UPDATE
};

struct fs_verb {
  const char *verb;
  int min_args, max_args; /* words after the verb; max -1: no limit */
  fs_parse_fn parse;
  fs_run_fn run;
  const char *usage;
  enum name_op op;
  /* a container's verb: the top-level parser, with the container's name
   * appended (parse_with_name) */
  bool named;
};

void fs_str_append(char **s, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  cleanup_free char *add = NULL;
  if (vasprintf(&add, fmt, ap) < 0)
    abort();
  va_end(ap);
  size_t old = *s ? strlen(*s) : 0, n = strlen(add);
  *s = xrealloc(*s, old + n + 1);
  memcpy(*s + old, add, n + 1);
}

void fs_sigmask_open(struct fs_sigmask *m)
{
  sigset_t none;
  sigemptyset(&none);
  pthread_sigmask(SIG_SETMASK, &none, &m->old);
}

void fs_sigmask_restore(struct fs_sigmask *m)
{
  pthread_sigmask(SIG_SETMASK, &m->old, NULL);
}

/* ---- parsing ------------------------------------------------------------ */

static int check_names(char **names, cocin_error_t *err)
{
  for (char **n = names; *n; n++)
    if (cocin_name_check(*n, err) < 0)
      return -1;
  return 0;
}

static int parse_run(struct fs_cmd *cmd, const char *container, int argc, char **argv,
                     cocin_error_t *err)
{
  if (cocin_spec_parse(&cmd->spec, argc, argv, err) < 0)
    return -1;
  if (cmd->spec.help) {
    cmd->help = true;
    return 0;
  }
  if (cmd->spec.interactive)
    return cocin_fail(err, EINVAL, "run -i needs a terminal: use the cocin CLI");
  cmd->spec.detach = true; /* -t with it is a logged pty (docker -dt) */
  return 0;
}

static int parse_create(struct fs_cmd *cmd, const char *container, int argc, char **argv,
                        cocin_error_t *err)
{
  if (cocin_spec_parse_create(&cmd->spec, argc, argv, err) < 0)
    return -1;
  cmd->help = cmd->spec.help;
  return 0;
}

static int parse_stop(struct fs_cmd *cmd, const char *container, int argc, char **argv,
                      cocin_error_t *err)
{
  if (cocin_parse_stop(argc, argv, &cmd->timeout, &cmd->sig, &cmd->names, err) < 0)
    return -1;
  return check_names(cmd->names, err);
}

static int parse_kill(struct fs_cmd *cmd, const char *container, int argc, char **argv,
                      cocin_error_t *err)
{
  if (cocin_parse_kill(argc, argv, &cmd->sig, &cmd->names, err) < 0)
    return -1;
  return check_names(cmd->names, err);
}

static int parse_rm(struct fs_cmd *cmd, const char *container, int argc, char **argv,
                    cocin_error_t *err)
{
  if (cocin_parse_rm(argc, argv, &cmd->rm_flags, &cmd->names, err) < 0)
    return -1;
  return check_names(cmd->names, err);
}

static int parse_restart(struct fs_cmd *cmd, const char *container, int argc, char **argv,
                         cocin_error_t *err)
{
  if (cocin_parse_restart(argc, argv, &cmd->timeout, &cmd->sig, &cmd->names, err) < 0)
    return -1;
  return check_names(cmd->names, err);
}

static int parse_update(struct fs_cmd *cmd, const char *container, int argc, char **argv,
                        cocin_error_t *err)
{
  if (cocin_parse_update(argc, argv, &cmd->spec.limits, &cmd->spec.restart,
                         &cmd->spec.restart_max, &cmd->names, err) < 0)
    return -1;
  return check_names(cmd->names, err);
}

/* start, pause, unpause: names only (the verb is set before the parse) */
static int parse_names(struct fs_cmd *cmd, const char *container, int argc, char **argv,
                       cocin_error_t *err)
{
  if (cocin_parse_names(cmd->verb->verb, argc, argv, &cmd->names, err) < 0)
    return -1;
  return check_names(cmd->names, err);
}

/* exec through a ctl file is exec -d (a terminal or input needs the CLI;
 * output and status: the container's exec file); a container's own ctl
 * names no container */
static int exec_parse(struct fs_cmd *cmd, const char *container, int argc, char **argv,
                      cocin_error_t *err)
{
  bool interactive = false;
  cmd->exec.lifeline = -1;
  cmd->exec.console_sock = -1;
  if (cocin_exec_parse(&cmd->exec, container, &cmd->exec_name, &interactive, argc, argv, err) < 0)
    return -1;
  if (interactive || cmd->exec.tty)
    return cocin_fail(err, EINVAL, "exec -%c needs a terminal: use the cocin CLI",
                      cmd->exec.tty ? 't' : 'i');
  cmd->exec.detach = true;
  return cocin_name_check(cmd->exec_name, err);
}

static int parse_exec(struct fs_cmd *cmd, const char *container, int argc, char **argv,
                      cocin_error_t *err)
{
  return exec_parse(cmd, NULL, argc, argv, err);
}

static int parse_c_exec(struct fs_cmd *cmd, const char *container, int argc, char **argv,
                        cocin_error_t *err)
{
  return exec_parse(cmd, container, argc, argv, err);
}

/* argv with the directory's name put first: [container, argv..., NULL] */
static char **with_container(const char *container, int argc, char **argv)
{
  char **v = xmalloc0((size_t)(argc + 2) * sizeof(char *));
  v[0] = (char *)container;
  memcpy(v + 1, argv, (size_t)argc * sizeof(char *));
  return v;
}

/* Per-container verbs reuse the top-level parsers with the directory's
 * name put first (their flags may follow names); any other name given is
 * an extra argument.  An option left without its value (`stop -t`) is
 * said so by the parser: no name follows it to pass for the value. */
static int parse_with_name(fs_parse_fn fn, struct fs_cmd *cmd, const char *container, int argc,
                           char **argv, const char *verb, cocin_error_t *err)
{
  cleanup_free char **v = with_container(container, argc, argv);
  if (fn(cmd, container, argc + 1, v, err) < 0)
    return -1;
  if (strv_len(cmd->names) != 1)
    return cocin_fail(err, EINVAL, "%s: unexpected argument \"%s\" (the container is %s)", verb,
                      cmd->names[1], container);
  return 0;
}

static int parse_c_kill(struct fs_cmd *cmd, const char *container, int argc, char **argv,
                        cocin_error_t *err)
{
  if (argc == 1 && argv[0][0] != '-') { /* kill SIG */
    cmd->sig = cocin_signal_parse(argv[0]);
    if (cmd->sig <= 0)
      return cocin_fail(err, EINVAL, "kill: invalid signal \"%s\"", argv[0]);
    strv_append(&cmd->names, container);
    return 0;
  }
  return parse_with_name(parse_kill, cmd, container, argc, argv, "kill", err);
}

/* commit NAME IMAGE (a container's: commit IMAGE, its name put first) */
static int parse_commit(struct fs_cmd *cmd, const char *container, int argc, char **argv,
                        cocin_error_t *err)
{
  cleanup_free char **with = container ? with_container(container, argc, argv) : NULL;
  cleanup_free char *name = NULL;
  if (cocin_parse_commit(container ? argc + 1 : argc, container ? with : argv, &name, &cmd->image,
                         err) < 0)
    return -1;
  strv_append(&cmd->names, name);
  return check_names(cmd->names, err);
}

/* ---- running -------------------------------------------------------------- */

static int run_run(const char *root, struct fs_cmd *cmd, char **reply, cocin_error_t *err)
{
  if (cmd->help) {
    fs_str_append(reply, "%s", cocin_run_usage);
    return 0;
  }
  struct cocin_run_result res;
  cleanup_sigmask struct fs_sigmask m;
  fs_sigmask_open(&m);
  if (cocin_run(root, &cmd->spec, NULL, &res, err) < 0)
    return -1;
  fs_str_append(reply, "%s\n", cmd->spec.name);
  return 0;
}

static int run_create(const char *root, struct fs_cmd *cmd, char **reply, cocin_error_t *err)
{
  if (cmd->help) {
    fs_str_append(reply, "create takes run's options but -d (cocin create --help)\n");
    return 0;
  }
  char id[65];
  if (cocin_create(root, &cmd->spec, id, err) < 0)
    return -1;
  fs_str_append(reply, "%s\n", cmd->spec.name);
  return 0;
}

static int name_op(const char *root, const struct fs_cmd *cmd, enum name_op op, const char *name,
                   cocin_error_t *err)
{
  switch (op) {
  case OP_STOP:
    return cocin_stop(root, name, cmd->id, cmd->timeout, cmd->sig, err);
  case OP_KILL:
    return cocin_kill(root, name, cmd->id, cmd->sig, err);
  case OP_RM:
    return cocin_rm(root, name, cmd->id, cmd->rm_flags, err);
  case OP_PAUSE:
  case OP_UNPAUSE:
    return cocin_pause(root, name, cmd->id, op == OP_PAUSE, err);
  case OP_UPDATE:
    return cocin_update(root, name, cmd->id, &cmd->spec.limits, cmd->spec.restart,
                        cmd->spec.restart_max, err);
  case OP_START: {
    /* the monitor double-forked: cocinfs lives on and reaps nothing */
    cleanup_sigmask struct fs_sigmask m;
    fs_sigmask_open(&m);
    return cocin_start(root, name, cmd->id, false, err) < 0 ? -1 : 0;
  }
  case OP_RESTART: {
    /* open for the start's fork; the stop's waits go on through EINTR */
    cleanup_sigmask struct fs_sigmask m;
    fs_sigmask_open(&m);
    return cocin_restart(root, name, cmd->id, cmd->timeout, cmd->sig, false, err);
  }
  default:
    return cocin_fail(err, EINVAL, "unknown operation");
  }
}

/* Like the CLI: every name (or id) is tried; each success answers it as
 * given, the first failure gives the errno and every failure's message is
 * kept.  The names are the containers' own afterwards (fs_cmd_removes). */
static int run_names(const char *root, struct fs_cmd *cmd, enum name_op op, char **reply,
                     cocin_error_t *err)
{
  int status = 0;
  cleanup_free char *msgs = NULL;
  for (char **n = cmd->names; *n; n++) {
    cleanup_error cocin_error_t e = NULL;
    char *name = cocin_state_resolve(root, *n, &e);
    if (name == NULL || name_op(root, cmd, op, name, &e) < 0) {
      if (status == 0)
        status = cocin_error_status(&e);
      fs_str_append(&msgs, "%s%s", msgs ? "\n" : "", cocin_error_msg(&e));
    } else {
      fs_str_append(reply, "%s\n", *n);
    }
    if (name) {
      free(*n);
      *n = name;
    }
  }
  if (status)
    return cocin_fail(err, status, "%s", msgs);
  return 0;
}

static int run_exec(const char *root, struct fs_cmd *cmd, char **reply, cocin_error_t *err)
{
  cleanup_free char *name = cocin_state_resolve(root, cmd->exec_name, err);
  if (name == NULL)
    return -1;
  cmd->exec.id = cmd->id;
  cleanup_sigmask struct fs_sigmask m; /* open for the fork */
  fs_sigmask_open(&m);
  int code;
  return cocin_exec_detached(root, name, &cmd->exec, &code, err);
}

/* reply: the image's name */
static int run_commit(const char *root, struct fs_cmd *cmd, char **reply, cocin_error_t *err)
{
  cleanup_free char *name = cocin_state_resolve(root, cmd->names[0], err);
  if (name == NULL)
    return -1;
  cleanup_sigmask struct fs_sigmask m; /* open for the copier's fork */
  fs_sigmask_open(&m);
  if (cocin_commit(root, name, cmd->id, cmd->image, err) < 0)
    return -1;
  fs_str_append(reply, "%s\n", cmd->image);
  return 0;
}

static int run_named(const char *root, struct fs_cmd *cmd, char **reply, cocin_error_t *err)
{
  return run_names(root, cmd, cmd->verb->op, reply, err);
}

/* ---- the tables ----------------------------------------------------------- */

static const struct fs_verb top_verbs[] = {
    {"run", 1, -1, parse_run, run_run, "run [OPTIONS] IMAGE [COMMAND] [ARG...]", OP_NONE},
    {"create", 1, -1, parse_create, run_create, "create [OPTIONS] IMAGE [COMMAND] [ARG...]", OP_NONE},
    {"exec", 2, -1, parse_exec, run_exec, "exec [-d] [OPTIONS] NAME COMMAND [ARG...]", OP_EXEC},
    {"stop", 1, -1, parse_stop, run_named, "stop [-t SECS] [-s SIG] NAME...", OP_STOP},
    {"kill", 1, -1, parse_kill, run_named, "kill [-s SIG] NAME...", OP_KILL},
    {"rm", 1, -1, parse_rm, run_named, "rm [-f] [-v] NAME...", OP_RM},
    {"start", 1, -1, parse_names, run_named, "start NAME...", OP_START},
    {"restart", 1, -1, parse_restart, run_named, "restart [-t SECS] [-s SIG] NAME...", OP_RESTART},
    {"pause", 1, -1, parse_names, run_named, "pause NAME...", OP_PAUSE},
    {"unpause", 1, -1, parse_names, run_named, "unpause NAME...", OP_UNPAUSE},
    {"commit", 2, 2, parse_commit, run_commit, "commit NAME IMAGE", OP_COMMIT},
    {"update", 2, -1, parse_update, run_named, "update [OPTIONS] NAME...", OP_UPDATE},
    {NULL, 0, 0, NULL, NULL, NULL, OP_NONE},
};

static const struct fs_verb container_verbs[] = {
    {"exec", 1, -1, parse_c_exec, run_exec, "exec [-d] [OPTIONS] COMMAND [ARG...]", OP_EXEC},
    {"stop", 0, 4, parse_stop, run_named, "stop [-t SECS] [-s SIG]", OP_STOP, true},
    {"kill", 0, 2, parse_c_kill, run_named, "kill [SIG | -s SIG]", OP_KILL},
    {"rm", 0, 2, parse_rm, run_named, "rm [-f] [-v]", OP_RM, true},
    {"start", 0, 0, parse_names, run_named, "start", OP_START, true},
    {"restart", 0, 4, parse_restart, run_named, "restart [-t SECS] [-s SIG]", OP_RESTART, true},
    {"pause", 0, 0, parse_names, run_named, "pause", OP_PAUSE, true},
    {"unpause", 0, 0, parse_names, run_named, "unpause", OP_UNPAUSE, true},
    {"commit", 1, 1, parse_commit, run_commit, "commit IMAGE", OP_COMMIT},
    {"update", 1, -1, parse_update, run_named, "update [OPTIONS]", OP_UPDATE, true},
    {NULL, 0, 0, NULL, NULL, NULL, OP_NONE},
};

static const struct fs_verb *const scope_verbs[] = {
    [FS_SCOPE_TOP] = top_verbs,
    [FS_SCOPE_CONTAINER] = container_verbs,
};

static int unknown_verb(const struct fs_verb *table, const char *w, cocin_error_t *err)
{
  cleanup_free char *list = NULL;
  for (const struct fs_verb *v = table; v->verb; v++)
    fs_str_append(&list, "%s%s", list ? " " : "", v->verb);
  return cocin_fail(err, EINVAL, "unknown command \"%s\" (verbs: %s)", w, list);
}

int fs_cmd_parse(enum fs_scope scope, const char *container, const char *line, size_t len,
                 struct fs_cmd *cmd, cocin_error_t *err)
{
  memset(cmd, 0, sizeof(*cmd));
  cleanup_strv char **words = NULL;
  if (cocin_split_words(line, len, &words, err) < 0)
    return -1;
  if (words[0] == NULL)
    return 0; /* an empty line */
  const struct fs_verb *table = scope_verbs[scope];
  const struct fs_verb *v = table;
  while (v->verb && strcmp(v->verb, words[0]))
    v++;
  if (v->verb == NULL)
    return unknown_verb(table, words[0], err);
  int argc = (int)strv_len(words) - 1;
  if (argc < v->min_args)
    return cocin_fail(err, EINVAL, "%s: missing arguments (usage: %s)", v->verb, v->usage);
  if (v->max_args >= 0 && argc > v->max_args)
    return cocin_fail(err, EINVAL, "%s: too many arguments (usage: %s)", v->verb, v->usage);
  cmd->verb = v;
  if ((v->named ? parse_with_name(v->parse, cmd, container, argc, words + 1, v->verb, err)
               : v->parse(cmd, container, argc, words + 1, err)) < 0) {
    cmd->verb = NULL;
    return -1;
  }
  return 0;
}

int fs_cmd_run(const char *root, struct fs_cmd *cmd, char **reply, cocin_error_t *err)
{
  if (cmd->verb == NULL)
    return 0;
  return cmd->verb->run(root, cmd, reply, err);
}

bool fs_cmd_removes(const struct fs_cmd *cmd)
{
  return cmd->verb && cmd->verb->op == OP_RM;
}

bool fs_cmd_blocks(const struct fs_cmd *cmd)
{
  /* stop waits out its timeout, then (as rm -f does) for the init and its
   * monitor to end */
  /* start waits (at most 10 s) for the last run's monitor to be gone */
  if (cmd->verb == NULL)
    return false;
  enum name_op op = cmd->verb->op;
  /* exec waits for its command's execve (which a stopped or frozen
   * container holds up); commit copies a whole tree */
  return op == OP_STOP || op == OP_RESTART || op == OP_START || op == OP_EXEC ||
         op == OP_COMMIT || (op == OP_RM && (cmd->rm_flags & COCIN_RM_FORCE));
}

void fs_cmd_free(struct fs_cmd *cmd)
{
  cocin_spec_free(&cmd->spec);
  cocin_exec_opts_free(&cmd->exec);
  free(cmd->exec_name);
  free(cmd->image);
  strv_free(cmd->names);
  memset(cmd, 0, sizeof(*cmd));
}
