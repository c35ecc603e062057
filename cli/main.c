/* cocin — the command-line front end.  `cocin [--root DIR] VERB ARGS...` */
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cocin-config.h"
#include "cocin/state.h"
#include "cocin/util.h"

static const struct cli_verb verbs[] = {
    {"run", cmd_run, "run [OPTIONS] IMAGE [COMMAND] [ARG...]   create and start a container"},
    {"create", cmd_create, "create [OPTIONS] IMAGE [COMMAND] [ARG...]   make a container, not started"},
    {"exec", cmd_exec, "exec [-d] [-i] [-t] [-e K=V] [--env-file FILE] [-w DIR] [-u USER[:GROUP]] NAME CMD...   run a command in it"},
    {"ps", cmd_ps, "ps [-a] [-q] [-n N] [-l] [-s] [-f KEY=VALUE] [--format TEMPLATE] [--no-trunc]   list containers (-n N: the N last created, -l: the last; -s: sizes)"},
    {"attach", cmd_attach, "attach [--detach-keys KEYS] [--no-stdin] [--sig-proxy=false] NAME   your terminal to a container run with -dt, or -it and detached (Ctrl-P Ctrl-Q: detach); without -t, its output until it ends"},
    {"logs", cmd_logs, "logs [-f] [--tail N] NAME   show a container's output"},
    {"stop", cmd_stop, "stop [-t SECS] [-s SIGNAL] NAME...   its stop signal (TERM; -s: this one), then KILL after SECS (its --stop-timeout, or 10)"},
    {"kill", cmd_kill, "kill [-s SIG] NAME...   send a signal (KILL)"},
    {"rm", cmd_rm, "rm [-f] [-v] NAME...   remove containers (-f: kill running ones first; -v: their anonymous volumes too)"},
    {"start", cmd_start, "start [-a] [-i] [--detach-keys KEYS] NAME...   start exited or stopped containers again (detached; -a: one, attached, -i: with your input)"},
    {"restart", cmd_restart, "restart [-t SECS] [-s SIGNAL] NAME...   stop, then start"},
    {"cp", cmd_cp, "cp [-a] [-L] SRC DST   copy files, one side CONTAINER:PATH"},
    {"rename", cmd_rename, "rename NAME NEW_NAME   give a container another name"},
    {"pause", cmd_pause, "pause NAME...   freeze every process of running containers"},
    {"unpause", cmd_unpause, "unpause NAME...   thaw them"},
    {"wait", cmd_wait, "wait NAME...   block until they exit, print exit codes"},
    {"inspect", cmd_inspect, "inspect [-f FORMAT] NAME...   print config.json ({{.status}}: one key; {{.State.Pid}}: docker's)"},
    {"stats", cmd_stats, "stats [--no-stream] [NAME...]   memory, cpu and pids usage"},
    {"port", cmd_port, "port NAME [PORT]   its published ports (-p)"},
    {"top", cmd_top, "top NAME   the container's processes (ps -ef columns, host pids)"},
    {"update", cmd_update, "update [-m SIZE] [--memory-swap SIZE] [--cpus N] [--cpu-period US] [--cpu-quota US] [-c N] [--cpuset-cpus LIST] [--cpuset-mems LIST] [--pids-limit N] [--restart POLICY] NAME...   change limits, the restart policy"},
    {"container", cmd_container, "container ls|rm|stop|... ARGS   docker's management form of the container verbs; container prune [-f]: remove every container that does not run"},
    {"diff", cmd_diff, "diff NAME   what it changed in its filesystem (A added, C changed, D deleted)"},
    {"commit", cmd_commit, "commit NAME IMAGE   a new image: its image with its changes (paused meanwhile)"},
    {"images", cmd_images, "images [-q]   list images (IMAGE CREATED SIZE; -q: names)"},
    {"export", cmd_export, "export [-o FILE] NAME   its filesystem as a tarball (import takes it back)"},
    {"import", cmd_import, "import TARBALL|- NAME make an image from a root filesystem tarball"},
    {"rmi", cmd_rmi, "rmi [-f] IMAGE...   remove images no container uses (-f: none that runs)"},
    {"image", cmd_image, "image ls|rm|import|inspect|prune [-a] [-f] ARGS   the image verbs"},
    {"volume", cmd_volume, "volume create [--name NAME] [-d local] [NAME] | ls [-q] [-f dangling=BOOL|name=PART] | inspect [-f FORMAT] NAME... | rm [-f] NAME... | prune [-a] [-f]   volumes (-v NAME:PATH)"},
    {"system", cmd_system, "system df | system prune [-a] [--volumes] [-f]   disk use; remove what nothing uses"},
    {"info", cmd_info, "info [-f FORMAT]   containers, images, volumes, and the host"},
    {"version", cmd_version, "version   cocin's version, the kernel's, OS/Arch and cJSON's"},
    {NULL, NULL, NULL},
};

/* A flag could not be read: main exits 125 (docker's code for it), not
 * the verb's 1. */
static bool usage_failed;

int cli_error(cocin_error_t *err)
{
  if (cocin_error_is_usage(err))
    usage_failed = true;
  fprintf(stderr, "cocin: %s\n", cocin_error_msg(err));
  cocin_error_release(err);
  return 1;
}

/* "cocin: MESSAGE" on stderr */
__attribute__((format(printf, 1, 0))) static void say(const char *fmt, va_list ap)
{
  fputs("cocin: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
}

int cli_usage_fail(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  say(fmt, ap);
  va_end(ap);
  usage_failed = true;
  return 1;
}

static int flag_val(const struct cocin_opt *o, const char *v, void *data, cocin_error_t *err)
{
  ((const char **)data)[o->id] = v ? v : "";
  return 0;
}

int cli_flags(const char *verb, const struct cocin_opt *t, int argc, char **argv,
              const char **vals)
{
  int pos = 0;
  cocin_error_t err = NULL;
  if (cocin_opts_parse_mixed(t, argc, argv, &pos, flag_val, vals, verb, &err) < 0) {
    cli_error(&err);
    return -1;
  }
  return pos;
}

int cli_fail(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  say(fmt, ap);
  va_end(ap);
  return 1;
}

bool cli_confirm(const char *warning)
{
  printf("%s\nAre you sure you want to continue? [y/N] ", warning);
  fflush(stdout);
  char line[64] = "";
  bool answered = fgets(line, sizeof(line), stdin) != NULL;
  if (!isatty(0)) /* (a terminal echoed the answer and its newline) */
    putchar('\n');
  return answered && (line[0] == 'y' || line[0] == 'Y');
}

bool cli_wants_help(int argc, char **argv)
{
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--"))
      return false;
    if (!strcmp(argv[i], "--help"))
      return true;
  }
  return false;
}

int cli_run_verb(const char *root, const char *name, int argc, char **argv)
{
  for (const struct cli_verb *v = verbs; v->name; v++) {
    if (strcmp(v->name, name))
      continue;
    /* (container ls --help: ps's, from the verb it names) */
    bool names_verb = (!strcmp(v->name, "container") || !strcmp(v->name, "image")) && argc > 0 &&
                      argv[0][0] != '-';
    if (strcmp(v->name, "run") && strcmp(v->name, "exec") && strcmp(v->name, "create") &&
        !names_verb && cli_wants_help(argc, argv)) {
      printf("Usage: cocin %s\n", v->usage);
      return 0;
    }
    return v->fn(root, argc, argv);
  }
  return -1;
}

static void usage(FILE *f)
{
  fprintf(f, "Usage: cocin [--root DIR] COMMAND [ARGS...]   (cocin --version, cocin --help)\n\n"
             "A container runtime whose other face is the /cocin filesystem (cocinfs).\n\n"
             "Commands:\n");
  for (const struct cli_verb *v = verbs; v->name; v++)
    fprintf(f, "  %s\n", v->usage);
  fprintf(f, "\nState lives in --root DIR, $COCIN_ROOT, or %s.\n"
             "Run 'cocin COMMAND --help' for a command's options.\n",
          COCIN_DEFAULT_ROOT);
}

int main(int argc, char **argv)
{
  TRACE("cli-start");
  cocin_stdio_ensure(); /* (started without them: none of our fds there) */
  signal(SIGCHLD, SIG_DFL); /* (inherited ignored, waitpid would lose codes) */
  const char *root_arg = NULL;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (!strcmp(argv[i], "--root") && i + 1 == argc) {
      fprintf(stderr, "cocin: flag needs an argument: --root\n");
      return 125;
    } else if (!strcmp(argv[i], "--root"))
      root_arg = argv[++i];
    else if (!strncmp(argv[i], "--root=", 7))
      root_arg = argv[i] + 7;
    else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      usage(stdout);
      return 0;
    } else if (!strcmp(argv[i], "--version")) {
      printf("cocin %s\n", COCIN_VERSION);
      return 0;
    } else {
      fprintf(stderr, "cocin: unknown global flag: %s (see cocin --help)\n", argv[i]);
      return 125;
    }
  }
  if (i >= argc) {
    usage(stderr);
    return 2;
  }
  /* absolute: the monitor works from / */
  const char *given = cocin_root_resolve(root_arg);
  char cwd[4096];
  char *root = given[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL
                   ? strdup(given)
                   : xasprintf("%s/%s", cwd, given);
  int rc = cli_run_verb(root, argv[i], argc - i - 1, argv + i + 1);
  if (rc == -1) {
    fprintf(stderr, "cocin: unknown command \"%s\" (see cocin --help)\n", argv[i]);
    rc = 2;
  } else if (rc != 0 && usage_failed) {
    rc = 125;
  }
  free(root);
  return rc;
}
