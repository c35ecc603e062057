/* cocin stop, kill, rm, start, restart, pause, unpause (and update, rename, commit): one table, one loop over the names; every failure
 * is one line on stderr and makes the exit status non-zero. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cocin/cleanup.h"
#include "cocin/util.h"
#include "cocin/state.h"
#include "cocin/runtime.h"

/* arg: what a verb's flags give (stop's and restart's: the timeout and
 * the signal) */
static int parse_rm(int argc, char **argv, int *arg, char ***names, cocin_error_t *err)
{
  unsigned f;
  int r = cocin_parse_rm(argc, argv, &f, names, err);
  arg[0] = (int)f;
  return r;
}

static int parse_stop(int argc, char **argv, int *arg, char ***names, cocin_error_t *err)
{
  return cocin_parse_stop(argc, argv, &arg[0], &arg[1], names, err);
}

static int parse_restart(int argc, char **argv, int *arg, char ***names, cocin_error_t *err)
{
  return cocin_parse_restart(argc, argv, &arg[0], &arg[1], names, err);
}

static int parse_kill(int argc, char **argv, int *arg, char ***names, cocin_error_t *err)
{
  return cocin_parse_kill(argc, argv, &arg[0], names, err);
}

static int do_stop(const char *root, const char *name, const int *arg, cocin_error_t *err)
{
  return cocin_stop(root, name, NULL, arg[0], arg[1], err);
}

static int do_kill(const char *root, const char *name, const int *arg, cocin_error_t *err)
{
  return cocin_kill(root, name, NULL, arg[0], err);
}

static int do_rm(const char *root, const char *name, const int *arg, cocin_error_t *err)
{
  return cocin_rm(root, name, NULL, (unsigned)arg[0], err);
}

static int do_start(const char *root, const char *name, const int *arg, cocin_error_t *err)
{
  return cocin_start(root, name, NULL, true, err) < 0 ? -1 : 0;
}

static int do_pause(const char *root, const char *name, const int *arg, cocin_error_t *err)
{
  return cocin_pause(root, name, NULL, arg[0] != 0, err);
}

static int do_restart(const char *root, const char *name, const int *arg, cocin_error_t *err)
{
  return cocin_restart(root, name, NULL, arg[0], arg[1], true, err);
}

static const struct {
  const char *verb;
  /* NULL: names only, and act gets arg */
  int (*parse)(int argc, char **argv, int *arg, char ***names, cocin_error_t *err);
  int (*act)(const char *root, const char *name, const int *arg, cocin_error_t *err);
  int arg;
} verbs[] = {
    {"stop", parse_stop, do_stop, 0},
    {"kill", parse_kill, do_kill, 0},
    {"rm", parse_rm, do_rm, 0},
    {"start", NULL, do_start, 0},
    {"restart", parse_restart, do_restart, 0},
    {"pause", NULL, do_pause, 1},
    {"unpause", NULL, do_pause, 0},
};

static int manage(const char *verb, const char *root, int argc, char **argv)
{
  for (size_t v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++) {
    if (strcmp(verbs[v].verb, verb))
      continue;
    cleanup_error cocin_error_t err = NULL;
    cleanup_strv char **names = NULL;
    int arg[2] = {verbs[v].arg, 0}, rc = 0;
    if ((verbs[v].parse ? verbs[v].parse(argc, argv, arg, &names, &err)
                        : cocin_parse_names(verb, argc, argv, &names, &err)) < 0)
      return cli_error(&err);
    for (char **n = names; *n; n++) {
      cleanup_free char *name = cocin_state_resolve(root, *n, &err);
      if (name == NULL || verbs[v].act(root, name, arg, &err) < 0)
        rc = cli_error(&err);
      else
        printf("%s\n", *n); /* as given, like docker */
    }
    return rc;
  }
  return cli_fail("%s: unknown verb", verb);
}

int cmd_stop(const char *root, int argc, char **argv) { return manage("stop", root, argc, argv); }
int cmd_kill(const char *root, int argc, char **argv) { return manage("kill", root, argc, argv); }
int cmd_rm(const char *root, int argc, char **argv) { return manage("rm", root, argc, argv); }
/* start [-a] [-i] [--detach-keys KEYS] NAME...: with -a or -i one
 * container, started and attached (attach.c), as docker's */
int cmd_start(const char *root, int argc, char **argv)
{
  static const struct cocin_opt t[] = {{'a', "attach", OPT_NONE, 0},
                                       {'i', "interactive", OPT_NONE, 1},
                                       {0, "detach-keys", OPT_REQUIRED, 2},
                                       {0, NULL, OPT_NONE, 0}};
  const char *vals[3] = {NULL, NULL, NULL};
  int pos = cli_flags("start", t, argc, argv, vals);
  if (pos < 0)
    return 1;
  if (!vals[0] && !vals[1]) /* (the names, behind the flags now) */
    return manage("start", root, argc - pos, argv + pos);
  if (argc - pos > 1)
    return cli_fail("start: you cannot start and attach multiple containers at once");
  if (argc - pos < 1)
    return cli_fail("start: requires at least one container name");
  return start_attached(root, argv[pos], vals[1] != NULL, vals[2]);
}
int cmd_restart(const char *root, int argc, char **argv)
{
  return manage("restart", root, argc, argv);
}
int cmd_pause(const char *root, int argc, char **argv) { return manage("pause", root, argc, argv); }
int cmd_unpause(const char *root, int argc, char **argv)
{
  return manage("unpause", root, argc, argv);
}

/* docker's rename: prints nothing, as docker's does */
int cmd_rename(const char *root, int argc, char **argv)
{
  static const struct cocin_opt none[] = {{0, NULL, OPT_NONE, 0}};
  int pos = cli_flags("rename", none, argc, argv, NULL);
  if (pos < 0)
    return 1;
  if (argc - pos != 2)
    return cli_fail("rename: requires exactly 2 arguments: CONTAINER NEW_NAME");
  cleanup_error cocin_error_t err = NULL;
  cleanup_free char *name = cocin_state_resolve(root, argv[pos], &err);
  if (name == NULL || cocin_rename(root, name, NULL, argv[pos + 1], &err) < 0)
    return cli_error(&err);
  return 0;
}

/* docker's cp: cocin cp [-a] [-L] SRC DST, one of them CONTAINER:PATH */
int cmd_cp(const char *root, int argc, char **argv)
{
  static const struct cocin_opt t[] = {{'a', "archive", OPT_NONE, 0},
                                       {'L', "follow-link", OPT_NONE, 1},
                                       {0, NULL, OPT_NONE, 0}};
  const char *given[2] = {NULL, NULL};
  int i = cli_flags("cp", t, argc, argv, given);
  if (i < 0)
    return 1;
  bool archive = given[0] != NULL, follow = given[1] != NULL;
  if (argc - i != 2)
    return cli_fail("cp: requires exactly 2 arguments: SRC DST (one of them CONTAINER:PATH)");
  cleanup_error cocin_error_t err = NULL;
  if (cocin_copy(root, argv[i], argv[i + 1], archive, follow, &err) < 0)
    return cli_error(&err);
  return 0;
}

int cmd_commit(const char *root, int argc, char **argv)
{
  cleanup_error cocin_error_t err = NULL;
  cleanup_free char *given = NULL, *image = NULL;
  if (cocin_parse_commit(argc, argv, &given, &image, &err) < 0)
    return cli_error(&err);
  cleanup_free char *name = cocin_state_resolve(root, given, &err);
  if (name == NULL || cocin_commit(root, name, NULL, image, &err) < 0)
    return cli_error(&err);
  printf("%s\n", image);
  return 0;
}

int cmd_update(const char *root, int argc, char **argv)
{
  cleanup_error cocin_error_t err = NULL;
  cleanup_strv char **names = NULL;
  struct cocin_limits given;
  int restart, restart_max;
  if (cocin_parse_update(argc, argv, &given, &restart, &restart_max, &names, &err) < 0)
    return cli_error(&err);
  int rc = 0;
  for (char **n = names; *n; n++) {
    cleanup_free char *name = cocin_state_resolve(root, *n, &err);
    if (name == NULL || cocin_update(root, name, NULL, &given, restart, restart_max, &err) < 0)
      rc = cli_error(&err);
    else
      printf("%s\n", *n); /* as given, like docker */
  }
  cocin_limits_free(&given);
  return rc;
}

/* docker's container prune: every container that does not run (exited,
 * stopped, created) is removed, after a yes on standard input unless -f;
 * the ids removed, then the bytes their layers held */
int cmd_container(const char *root, int argc, char **argv)
{
  /* docker's management form: container ls is ps, container rm is rm, ... */
  static const char *const same[] = {"run",   "create", "start", "stop",   "restart", "kill",
                                     "rm",    "exec",   "logs",  "inspect", "pause",  "unpause",
                                     "wait",  "rename", "cp",    "top",    "port",    "stats",
                                     "update", "diff",  "commit", "export", "attach", NULL};
  if (argc < 1)
    return cli_fail("container: give a command: ls, run, rm, stop, ... or prune");
  const char *verb = !strcmp(argv[0], "ls") || !strcmp(argv[0], "list") ? "ps"
                     : !strcmp(argv[0], "remove")                       ? "rm"
                                                                         : NULL;
  for (int i = 0; verb == NULL && same[i]; i++)
    if (!strcmp(argv[0], same[i]))
      verb = same[i];
  if (verb)
    return cli_run_verb(root, verb, argc - 1, argv + 1);
  if (!strcmp(argv[0], "prune") && cli_wants_help(argc - 1, argv + 1))
    return puts("Usage: cocin container prune [-f]   remove every container that does not run"), 0;
  if (strcmp(argv[0], "prune"))
    return cli_fail("container: unknown command \"%s\" (ls, run, rm, stop, ... or prune)",
                    argv[0]);
  static const struct cocin_opt t[] = {{'f', "force", OPT_NONE, 0}, {0, NULL, OPT_NONE, 0}};
  const char *force = NULL;
  int pos = cli_flags("container prune", t, argc - 1, argv + 1, &force);
  if (pos < 0)
    return 1;
  if (pos + 1 < argc)
    return cli_fail("container prune: takes no names: %s", argv[pos + 1]);
  if (!force && !cli_confirm("WARNING! This will remove all stopped containers."))
    return 0; /* docker's answer to anything but yes: nothing done */
  uint64_t freed = 0;
  bool any = false;
  int rc = cli_prune_containers(root, &freed, &any);
  cli_print_reclaimed(freed, any);
  return rc;
}

void cli_print_reclaimed(uint64_t freed, bool any)
{
  char total[32];
  cli_human_size(freed, total, sizeof(total));
  printf("%sTotal reclaimed space: %s\n", any ? "\n" : "", total);
}

bool cli_container_idle(const cJSON *cfg, const struct cocin_info *info)
{
  /* (one waiting to restart is not idle: docker never prunes it) */
  return ((info->state == COCIN_STATE_EXITED || info->state == COCIN_STATE_STOPPED) &&
          !info->restarting) ||
         (info->state == COCIN_STATE_CREATED && cocin_state_is_new(cfg));
}

int cli_prune_containers(const char *root, uint64_t *freed, bool *any)
{
  cleanup_error cocin_error_t err = NULL;
  cleanup_strv char **names = NULL;
  if (cocin_state_list(root, &names, &err) < 0)
    return cli_error(&err);
  int rc = 0;
  for (char **n = names; *n; n++) {
    cJSON *cfg = NULL;
    if (cocin_state_load(root, *n, &cfg, NULL) < 0)
      continue; /* gone meanwhile */
    struct cocin_info info;
    cocin_info_from_json(cfg, &info);
    bool idle = cli_container_idle(cfg, &info);
    cleanup_free char *id = cj_str(cfg, "id") ? strdup(cj_str(cfg, "id")) : NULL;
    cJSON_Delete(cfg);
    if (!idle || id == NULL)
      continue;
    cleanup_free char *upper = cocin_container_file(root, *n, "upper");
    uint64_t size = cocin_dir_size(upper);
    /* rm without -f: one started meanwhile is refused, and left */
    if (cocin_rm(root, *n, id, 0, &err) < 0) {
      if (cocin_error_status(&err) == EBUSY || cocin_error_status(&err) == ENOENT)
        cocin_error_release(&err);
      else
        rc = cli_error(&err);
      continue;
    }
    if (!*any)
      puts("Deleted Containers:");
    *any = true;
    puts(id);
    *freed += size;
  }
  return rc;
}
