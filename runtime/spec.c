/* cocin — the run command line: option table parser, spec <-> JSON, and the
 * container's environment. */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/spec.h"
#include "cocin/util.h"

typedef int (*opt_cb)(const struct cocin_opt *opt, const char *value, void *data,
                      cocin_error_t *err);

/* mixed: flags may come after the arguments too (docker's flag library
 * reads `rm web -f` so); the arguments are then moved, in their order,
 * behind the flags, and *pos is the first of them.  Otherwise the first
 * argument ends the flags (run's and exec's command follows it). */
static int opts_parse(const struct cocin_opt *table, int argc, char **argv, int *pos,
                      opt_cb cb, void *data, const char *verb, bool mixed, cocin_error_t *err)
{
  int i = *pos, start = *pos;
  cleanup_free bool *arg = mixed ? xmalloc0(((size_t)(argc - start) + 1) * sizeof(bool)) : NULL;
  while (i < argc) {
    const char *w = argv[i];
    if (!strcmp(w, "--")) {
      i++;
      break;
    }
    if (w[0] != '-' || w[1] == '\0') {
      if (!mixed)
        break;
      arg[i++ - start] = true;
      continue;
    }
    if (w[1] == '-') {
      const char *name = w + 2;
      const char *eq = strchr(name, '=');
      size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
      const struct cocin_opt *o = NULL;
      for (const struct cocin_opt *t = table; t->long_name || t->short_name; t++)
        if (t->long_name && strlen(t->long_name) == nlen && !strncmp(t->long_name, name, nlen))
          o = t;
      if (o == NULL)
        return cocin_fail_usage(err, "%s: unknown flag: --%.*s", verb, (int)nlen, name);
      const char *val = NULL;
      if (o->arg == OPT_REQUIRED) {
        if (eq)
          val = eq + 1;
        else if (i + 1 < argc)
          val = argv[++i];
        else
          return cocin_fail_usage(err, "%s: flag needs an argument: --%s", verb, o->long_name);
      } else if (o->arg == OPT_BOOL) {
        val = eq ? eq + 1 : "true";
        if (strcmp(val, "true") && strcmp(val, "false"))
          return cocin_fail_usage(err, "%s: --%s takes true or false (--%s=false), not \"%s\"",
                                  verb, o->long_name, o->long_name, val);
      } else if (eq) {
        if (strcmp(eq + 1, "true") && strcmp(eq + 1, "false"))
          return cocin_fail_usage(err, "%s: --%s takes no argument", verb, o->long_name);
        if (!strcmp(eq + 1, "false")) {
          i++;
          continue;
        }
      }
      if (cb(o, val, data, err) < 0)
        return -1;
      i++;
      continue;
    }
    /* a cluster of short flags: -dit, -eK=V, -e K=V, -e=K=V, -d=false */
    for (const char *c = w + 1; *c; c++) {
      const struct cocin_opt *o = NULL;
      for (const struct cocin_opt *t = table; t->long_name || t->short_name; t++)
        if (t->short_name && t->short_name == *c)
          o = t;
      if (o == NULL)
        return cocin_fail_usage(err, "%s: unknown shorthand flag: '%c' in %s", verb, *c, w);
      if (o->arg == OPT_REQUIRED) {
        const char *val;
        if (c[1] == '=') /* as docker's flag library reads it */
          val = c + 2;
        else if (c[1])
          val = c + 1;
        else if (i + 1 < argc)
          val = argv[++i];
        else
          return cocin_fail_usage(err, "%s: flag needs an argument: -%c", verb, *c);
        if (cb(o, val, data, err) < 0)
          return -1;
        break;
      }
      if (c[1] == '=') { /* -d=true, -d=false: ends the cluster */
        if (strcmp(c + 2, "true") && strcmp(c + 2, "false"))
          return cocin_fail_usage(err, "%s: -%c takes no argument", verb, *c);
        /* (OPT_BOOL: its value told either way) */
        if ((o->arg == OPT_BOOL || !strcmp(c + 2, "true")) &&
            cb(o, o->arg == OPT_BOOL ? c + 2 : NULL, data, err) < 0)
          return -1;
        break;
      }
      if (cb(o, o->arg == OPT_BOOL ? "true" : NULL, data, err) < 0)
        return -1;
    }
    i++;
  }
  if (mixed) { /* flags (and a "--") first, then the arguments met among them */
    cleanup_free char **words = xmalloc0(((size_t)(i - start) + 1) * sizeof(char *));
    int k = 0;
    for (int j = start; j < i; j++)
      if (!arg[j - start])
        words[k++] = argv[j];
    int first = start + k;
    for (int j = start; j < i; j++)
      if (arg[j - start])
        words[k++] = argv[j];
    if (k > 0)
      memcpy(argv + start, words, (size_t)k * sizeof(char *));
    i = first;
  }
  *pos = i;
  return 0;
}

int cocin_opts_parse(const struct cocin_opt *table, int argc, char **argv, int *pos, opt_cb cb,
                     void *data, const char *verb, cocin_error_t *err)
{
  return opts_parse(table, argc, argv, pos, cb, data, verb, false, err);
}

int cocin_opts_parse_mixed(const struct cocin_opt *table, int argc, char **argv, int *pos,
                           opt_cb cb, void *data, const char *verb, cocin_error_t *err)
{
  return opts_parse(table, argc, argv, pos, cb, data, verb, true, err);
}

enum {
  R_DETACH = 1,
  R_INTERACTIVE,
  R_TTY,
  R_NAME,
  R_ENV,
  R_ENV_FILE,
  R_WORKDIR,
  R_VOLUME,
  R_MOUNT,
  R_HOSTNAME,
  R_USER,
  R_RM,
  R_CGROUP_PARENT,
  R_NETWORK,
  R_PUBLISH,
  R_ADD_HOST,
  R_LIMIT,
  R_SECURITY,
  R_STOP_SIGNAL,
  R_STOP_TIMEOUT,
  R_INIT,
  R_RESTART,
  R_TMPFS,
  R_ULIMIT,
  R_HEALTH,
  R_NO_HEALTHCHECK,
  R_LABEL,
  R_LABEL_FILE,
  R_ENTRYPOINT,
  R_SHM_SIZE,
  R_SYSCTL,
  R_GROUP_ADD,
  R_CIDFILE,
  R_DETACH_KEYS,
  R_SIG_PROXY,
  R_DEVICE,
  R_IPC,
  R_UTS,
  R_HELP,
};

static const struct cocin_opt run_opts[] = {
    {'d', "detach", OPT_NONE, R_DETACH},
    {'i', "interactive", OPT_NONE, R_INTERACTIVE},
    {'t', "tty", OPT_NONE, R_TTY},
    {0, "name", OPT_REQUIRED, R_NAME},
    {'e', "env", OPT_REQUIRED, R_ENV},
    {0, "env-file", OPT_REQUIRED, R_ENV_FILE},
    {'w', "workdir", OPT_REQUIRED, R_WORKDIR},
    {'v', "volume", OPT_REQUIRED, R_VOLUME},
    {0, "mount", OPT_REQUIRED, R_MOUNT},
    {'h', "hostname", OPT_REQUIRED, R_HOSTNAME},
    {'u', "user", OPT_REQUIRED, R_USER},
    {0, "rm", OPT_NONE, R_RM},
    {0, "cgroup-parent", OPT_REQUIRED, R_CGROUP_PARENT},
    {0, "network", OPT_REQUIRED, R_NETWORK},
    {0, "net", OPT_REQUIRED, R_NETWORK}, /* docker's older spelling */
    {'p', "publish", OPT_REQUIRED, R_PUBLISH},
    {'P', "publish-all", OPT_NONE, R_PUBLISH},
    {0, "add-host", OPT_REQUIRED, R_ADD_HOST},
    {'m', "memory", OPT_REQUIRED, R_LIMIT},
    {0, "memory-swap", OPT_REQUIRED, R_LIMIT},
    {0, "cpus", OPT_REQUIRED, R_LIMIT},
    {0, "cpu-period", OPT_REQUIRED, R_LIMIT},
    {0, "cpu-quota", OPT_REQUIRED, R_LIMIT},
    {'c', "cpu-shares", OPT_REQUIRED, R_LIMIT},
    {0, "cpuset-cpus", OPT_REQUIRED, R_LIMIT},
    {0, "cpuset-mems", OPT_REQUIRED, R_LIMIT},
    {0, "pids-limit", OPT_REQUIRED, R_LIMIT},
    {0, "cap-add", OPT_REQUIRED, R_SECURITY},
    {0, "cap-drop", OPT_REQUIRED, R_SECURITY},
    {0, "security-opt", OPT_REQUIRED, R_SECURITY},
    {0, "privileged", OPT_NONE, R_SECURITY},
    {0, "read-only", OPT_NONE, R_SECURITY},
    {0, "stop-signal", OPT_REQUIRED, R_STOP_SIGNAL},
    {0, "stop-timeout", OPT_REQUIRED, R_STOP_TIMEOUT},
    {0, "init", OPT_NONE, R_INIT},
    {0, "restart", OPT_REQUIRED, R_RESTART},
    {0, "tmpfs", OPT_REQUIRED, R_TMPFS},
    {0, "ulimit", OPT_REQUIRED, R_ULIMIT},
    {0, "health-cmd", OPT_REQUIRED, R_HEALTH},
    {0, "health-interval", OPT_REQUIRED, R_HEALTH},
    {0, "health-timeout", OPT_REQUIRED, R_HEALTH},
    {0, "health-retries", OPT_REQUIRED, R_HEALTH},
    {0, "health-start-period", OPT_REQUIRED, R_HEALTH},
    {0, "no-healthcheck", OPT_NONE, R_NO_HEALTHCHECK},
    {'l', "label", OPT_REQUIRED, R_LABEL},
    {0, "label-file", OPT_REQUIRED, R_LABEL_FILE},
    {0, "entrypoint", OPT_REQUIRED, R_ENTRYPOINT},
    {0, "shm-size", OPT_REQUIRED, R_SHM_SIZE},
    {0, "sysctl", OPT_REQUIRED, R_SYSCTL},
    {0, "group-add", OPT_REQUIRED, R_GROUP_ADD},
    {0, "cidfile", OPT_REQUIRED, R_CIDFILE},
    {0, "detach-keys", OPT_REQUIRED, R_DETACH_KEYS},
    {0, "sig-proxy", OPT_BOOL, R_SIG_PROXY},
    {0, "device", OPT_REQUIRED, R_DEVICE},
    {0, "ipc", OPT_REQUIRED, R_IPC},
    {0, "uts", OPT_REQUIRED, R_UTS},
    {0, "help", OPT_NONE, R_HELP},
    {0, NULL, OPT_NONE, 0},
};

const char cocin_run_usage[] =
    "Usage: cocin run [OPTIONS] IMAGE [COMMAND] [ARG...]\n"
    "\n"
    "Create and start a container.\n"
    "\n"
    "  -d, --detach              run in the background; output goes to container.log\n"
    "  -i, --interactive         keep standard input open\n"
    "  -t, --tty                 allocate a pseudo-terminal\n"
    "      --name NAME           container name ([a-zA-Z0-9][a-zA-Z0-9_.-]{0,127})\n"
    "  -e, --env KEY=VALUE       set an environment variable (repeatable)\n"
    "      --env-file FILE       read variables from a file of KEY=VALUE lines\n"
    "  -w, --workdir DIR         working directory inside the container\n"
    "  -v, --volume HOST:CTR[:OPTS] bind mount a host directory or file (repeatable;\n"
    "                            OPTS: ro, rw, nocopy);\n"
    "                            NAME:CTR a named volume, CTR an anonymous one\n"
    "      --mount type=bind|volume|tmpfs,source=S,target=CTR[,readonly]  docker's\n"
    "                            long form of -v and --tmpfs (repeatable)\n"
    "  -h, --hostname NAME       hostname (default: the container name; the host's\n"
    "                            with --network host, NAME's with container:NAME)\n"
    "  -u, --user USER[:GROUP]   run as this user and group (names or numbers)\n"
    "      --group-add GROUP     one more supplementary group (a name or number)\n"
    "      --cidfile FILE        write the container's id to FILE (a new file)\n"
    "      --detach-keys KEYS    with -it, the keys that leave the container running\n"
    "                            (default ctrl-p,ctrl-q)\n"
    "      --sig-proxy=false     in the foreground without -t: Ctrl-C (INT, TERM,\n"
    "                            HUP) ends this command, not the container, which\n"
    "                            runs on, logged (default true: passed on to it)\n"
    "      --device HOST[:CONTAINER][:PERMISSIONS]\n"
    "                            a device of the host's (or every one below a\n"
    "                            directory), in the container's /dev\n"
    "      --rm                  remove the container when it exits\n"
    "      --network MODE        none (its own, loopback only; the default), host,\n"
    "                            or container:NAME (that running container's)\n"
    "  -p, --publish SPEC        [IP:]HOSTPORT:PORT[/tcp]: relay a port of the host\n"
    "                            to the container's (repeatable)\n"
    "      --add-host NAME:IP    a line of /etc/hosts (repeatable)\n"
    "      --ipc MODE            host (the host's IPC namespace and /dev/shm) or\n"
    "                            private (its own; the default)\n"
    "      --uts host            the host's UTS namespace (its hostname)\n"
    "  -m, --memory SIZE         memory limit (512k, 64m, 1g)\n"
    "      --memory-swap SIZE    memory plus swap limit (-1: unlimited)\n"
    "      --cpus N              number of CPUs (0.5 = half a core)\n"
    "      --cpu-period US       the CFS period in microseconds (100000)\n"
    "      --cpu-quota US        CPU time per period in microseconds (-1: no limit)\n"
    "  -c, --cpu-shares N        relative CPU weight\n"
    "      --cpuset-cpus LIST    CPUs allowed (0-1, 0,1)\n"
    "      --cpuset-mems LIST    memory nodes allowed\n"
    "      --pids-limit N        maximum number of processes\n"
    "      --cgroup-parent PATH  parent cgroup (default: the caller's cgroup)\n"
    "      --cap-add CAP         add a capability (CAP_ prefix optional, ALL)\n"
    "      --cap-drop CAP        drop a capability\n"
    "      --privileged          all capabilities, no seccomp, no masked paths\n"
    "      --read-only           mount the root filesystem read-only\n"
    "      --stop-signal SIG     what stop sends first (TERM)\n"
    "      --stop-timeout SECS   how long stop waits before KILL (10; -1: no limit)\n"
    "      --tmpfs PATH[:OPTS]   a tmpfs at PATH (noexec,nosuid,nodev unless OPTS say\n"
    "                            exec, suid, dev; size=64m, mode=1777, uid=, gid=, ro)\n"
    "      --ulimit NAME=SOFT[:HARD]  a resource limit (nofile, nproc, core, stack, ...;\n"
    "                            -1 or unlimited: none)\n"
    "      --shm-size SIZE       the size of /dev/shm (64m)\n"
    "      --sysctl KEY=VALUE    a kernel parameter of its own namespaces (net.*,\n"
    "                            fs.mqueue.*, kernel.msg{max,mnb,mni}, kernel.sem,\n"
    "                            kernel.shm{all,max,mni}, kernel.shm_rmid_forced)\n"
    "  -l, --label KEY=VALUE     a label, kept in config.json (repeatable; ps -f label=)\n"
    "      --label-file FILE     labels, one KEY=VALUE a line\n"
    "      --entrypoint CMD      the command's first word: the words after IMAGE are\n"
    "                            its arguments\n"
    "      --health-cmd CMD      a health check, run by /bin/sh -c in the container\n"
    "      --health-interval D   between checks (30s; 500ms, 1m30s)\n"
    "      --health-timeout D    a check that takes longer fails (30s)\n"
    "      --health-retries N    failures in a row that make it unhealthy (3)\n"
    "      --health-start-period D  failures not counted so long after its start (0s)\n"
    "      --no-healthcheck      none (the default: images carry none)\n"
    "      --init                a small init is PID 1: it passes signals on to the\n"
    "                            command and reaps orphans (docker's --init)\n"
    "      --restart POLICY      no, on-failure[:MAX], always or unless-stopped: run it\n"
    "                            again when it ends by itself (not by stop, kill, rm)\n"
    "      --security-opt OPT    no-new-privileges, seccomp=unconfined\n";

static bool path_clean_abs(const char *p)
{
  if (p == NULL || p[0] != '/')
    return false;
  for (const char *s = p; *s; s++)
    if (s[0] == '/' && s[1] == '.' && s[2] == '.' && (s[3] == '/' || s[3] == '\0'))
      return false;
  return true;
}

char *cocin_image_name(const char *ref, cocin_error_t *err)
{
  size_t len = strlen(ref);
  static const char latest[] = ":latest";
  if (len > sizeof(latest) - 1 && !strcmp(ref + len - (sizeof(latest) - 1), latest))
    len -= sizeof(latest) - 1; /* docker's default tag: the one image of that name */
  cleanup_free char *name = xstrndup(ref, len);
  if (cocin_name_check(name, NULL) == 0)
    return steal_ptr(name);
  if (strchr(name, ':') && !strchr(name, '/'))
    cocin_fail(err, EINVAL, "image \"%s\": cocin's images have no tags but :latest (cocin images lists them)", ref);
  else
    cocin_fail(err, EINVAL, "invalid image name \"%s\"", ref);
  return NULL;
}

/* In place, an absolute path's spelling made plain: no "//", no "."
 * component, no "/" at the end ("/./" and "//" are "/"). */
static void path_tidy(char *p)
{
  char *out = p;
  for (const char *in = p; *in;) {
    while (*in == '/')
      in++;
    if (in[0] == '.' && (in[1] == '/' || in[1] == '\0')) {
      in++;
      continue;
    }
    if (*in == '\0')
      break;
    *out++ = '/';
    while (*in && *in != '/')
      *out++ = *in++;
  }
  if (out == p)
    *out++ = '/';
  *out = '\0';
}

/* a -v or --tmpfs given for dst already */
static bool mount_point_taken(const struct cocin_spec *s, const char *dst)
{
  for (size_t i = 0; i < s->n_mounts; i++)
    if (!strcmp(s->mounts[i].dest, dst))
      return true;
  for (size_t i = 0; i < s->n_tmpfs; i++)
    if (!strcmp(s->tmpfs[i].dest, dst))
      return true;
  return false;
}

/* N[suffixes]: digits (N at most max), then at most one of the suffixes */
static bool size_ok(const char *v, const char *suffixes, unsigned long long max)
{
  size_t d = strspn(v, "0123456789");
  if (d == 0 || d > 12 || !(v[d] == '\0' || (strchr(suffixes, v[d]) && v[d + 1] == '\0')))
    return false;
  return strtoull(v, NULL, 10) <= max;
}

/* o after the comma-separated options in *opts (NULL: none yet) */
static void add_option(char **opts, const char *o)
{
  char *joined = xasprintf("%s%s%s", *opts ? *opts : "", *opts ? "," : "", o);
  free(*opts);
  *opts = joined;
}

int cocin_tmpfs_options(const char *options, unsigned long *flags, char **data,
                        cocin_error_t *err)
{
  static const struct {
    const char *name;
    unsigned long set, clear;
  } words[] = {{"ro", MS_RDONLY, 0},     {"rw", 0, MS_RDONLY},     {"noexec", MS_NOEXEC, 0},
               {"exec", 0, MS_NOEXEC},   {"nosuid", MS_NOSUID, 0}, {"suid", 0, MS_NOSUID},
               {"nodev", MS_NODEV, 0},   {"dev", 0, MS_NODEV}};
  *flags = MS_NOEXEC | MS_NOSUID | MS_NODEV; /* docker's */
  cleanup_free char *copy = xstrdup(options ? options : "");
  cleanup_free char *out = NULL;
  for (char *opt = copy, *next; opt && *opt; opt = next) {
    next = strchr(opt, ',');
    if (next)
      *next++ = '\0';
    bool done = false;
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]) && !done; i++)
      if (!strcmp(opt, words[i].name)) {
        *flags = (*flags | words[i].set) & ~words[i].clear;
        done = true;
      }
    if (done)
      continue;
    const char *eq = strchr(opt, '=');
    const char *v = eq ? eq + 1 : "";
    size_t klen = eq ? (size_t)(eq - opt) : 0;
    /* (12 digits, and a g after them, stay far from 2^64: no wrap) */
    bool ok = (klen == 4 && !strncmp(opt, "size", 4) && size_ok(v, "kKmMgG%", 999999999999ULL)) ||
              (klen == 9 && !strncmp(opt, "nr_inodes", 9) && size_ok(v, "kKmMgG", 999999999999ULL)) ||
              (klen == 4 && !strncmp(opt, "mode", 4) && strlen(v) >= 1 && strlen(v) <= 4 &&
               strspn(v, "01234567") == strlen(v)) ||
              ((klen == 3 && (!strncmp(opt, "uid", 3) || !strncmp(opt, "gid", 3))) &&
               size_ok(v, "", 4294967294ULL));
    if (!ok)
      return cocin_fail(err, EINVAL,
                        "invalid tmpfs option \"%s\": expected ro, rw, exec, noexec, suid, nosuid, "
                        "dev, nodev, size=N[k|m|g|%%], nr_inodes=N, mode=OCTAL, uid=N or gid=N",
                        opt);
    add_option(&out, opt);
  }
  if (data)
    *data = steal_ptr(out);
  return 0;
}

static const struct {
  const char *name;
  int resource;
} ulimit_names[] = {{"as", RLIMIT_AS},           {"core", RLIMIT_CORE},
                    {"cpu", RLIMIT_CPU},         {"data", RLIMIT_DATA},
                    {"fsize", RLIMIT_FSIZE},     {"locks", RLIMIT_LOCKS},
                    {"memlock", RLIMIT_MEMLOCK}, {"msgqueue", RLIMIT_MSGQUEUE},
                    {"nice", RLIMIT_NICE},       {"nofile", RLIMIT_NOFILE},
                    {"nproc", RLIMIT_NPROC},     {"rss", RLIMIT_RSS},
                    {"rtprio", RLIMIT_RTPRIO},   {"rttime", RLIMIT_RTTIME},
                    {"sigpending", RLIMIT_SIGPENDING}, {"stack", RLIMIT_STACK}};

static const char *ulimit_name(int resource)
{
  for (size_t i = 0; i < sizeof(ulimit_names) / sizeof(ulimit_names[0]); i++)
    if (ulimit_names[i].resource == resource)
      return ulimit_names[i].name;
  return "?";
}

/* a number of at most 15 digits (below 2^53: the record's JSON number
 * keeps it exactly), or -1 / unlimited */
static bool ulimit_value(const char *v, size_t len, unsigned long long *out)
{
  if ((len == 2 && !strncmp(v, "-1", 2)) || (len == 9 && !strncmp(v, "unlimited", 9))) {
    *out = COCIN_ULIMIT_UNLIMITED;
    return true;
  }
  if (len == 0 || len > 15 || strspn(v, "0123456789") < len)
    return false;
  *out = strtoull(v, NULL, 10);
  return true;
}

/* NAME=SOFT[:HARD], docker's --ulimit (HARD: SOFT if not given); a later
 * one for the same NAME replaces the earlier */
static int parse_ulimit(struct cocin_spec *s, const char *v, cocin_error_t *err)
{
  const char *eq = strchr(v, '=');
  int resource = -1;
  for (size_t i = 0; eq && i < sizeof(ulimit_names) / sizeof(ulimit_names[0]); i++)
    if (strlen(ulimit_names[i].name) == (size_t)(eq - v) &&
        !strncmp(v, ulimit_names[i].name, (size_t)(eq - v)))
      resource = ulimit_names[i].resource;
  if (resource < 0)
    return cocin_fail(err, EINVAL,
                      "run: invalid --ulimit \"%s\": expected NAME=SOFT[:HARD], NAME one of as, "
                      "core, cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, "
                      "rtprio, rttime, sigpending, stack", v);
  const char *sv = eq + 1, *colon = strchr(sv, ':');
  unsigned long long soft, hard;
  if (!ulimit_value(sv, colon ? (size_t)(colon - sv) : strlen(sv), &soft) ||
      !ulimit_value(colon ? colon + 1 : sv, colon ? strlen(colon + 1) : strlen(sv), &hard))
    return cocin_fail(err, EINVAL,
                      "run: invalid --ulimit \"%s\": SOFT and HARD are numbers, or -1 (unlimited)", v);
  if (soft > hard)
    return cocin_fail(err, EINVAL, "run: invalid --ulimit \"%s\": the soft limit is above the hard", v);
  for (size_t i = 0; i < s->n_ulimits; i++)
    if (s->ulimits[i].resource == resource) {
      s->ulimits[i] = (struct cocin_ulimit){resource, soft, hard};
      return 0;
    }
  s->ulimits = xrealloc(s->ulimits, (s->n_ulimits + 1) * sizeof(*s->ulimits));
  s->ulimits[s->n_ulimits++] = (struct cocin_ulimit){resource, soft, hard};
  return 0;
}

int cocin_ulimits_apply(const struct cocin_spec *s, cocin_error_t *err)
{
  for (size_t i = 0; i < s->n_ulimits; i++) {
    const struct cocin_ulimit *u = &s->ulimits[i];
    struct rlimit rl = {u->soft == COCIN_ULIMIT_UNLIMITED ? RLIM_INFINITY : (rlim_t)u->soft,
                        u->hard == COCIN_ULIMIT_UNLIMITED ? RLIM_INFINITY : (rlim_t)u->hard};
    if (setrlimit(u->resource, &rl) < 0)
      return cocin_fail_errno(err, "--ulimit %s", ulimit_name(u->resource));
  }
  return 0;
}

/* --sysctl KEY=VALUE: a kernel parameter of the container's own
 * namespaces, the ones docker allows: IPC's (kernel.msgmax, msgmnb,
 * msgmni, sem, shmall, shmmax, shmmni, shm_rmid_forced; fs.mqueue.*)
 * and the network's (net.*, where the network is the container's).  A
 * KEY is words of letters, digits, '_' and '-' joined by dots: it becomes
 * a path under /proc/sys, so nothing else passes.  A later one for the
 * same KEY replaces the earlier. */
static bool sysctl_allowed(const char *key, size_t n)
{
  static const char *const exact[] = {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",
                                      "kernel.sem",    "kernel.shmall", "kernel.shmmax",
                                      "kernel.shmmni", "kernel.shm_rmid_forced"};
  for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
    if (strlen(exact[i]) == n && !strncmp(key, exact[i], n))
      return true;
  return (n > 4 && !strncmp(key, "net.", 4)) || (n > 10 && !strncmp(key, "fs.mqueue.", 10));
}

static bool sysctl_key_ok(const char *key, size_t n)
{
  if (n == 0 || n > 255 || key[0] == '.' || key[n - 1] == '.')
    return false;
  for (size_t i = 0; i < n; i++)
    if (!isalnum((unsigned char)key[i]) && !strchr("_-.", key[i]))
      return false;
    else if (key[i] == '.' && key[i + 1] == '.')
      return false;
  return true;
}

static int sysctl_add(char ***list, const char *v, cocin_error_t *err)
{
  const char *eq = strchr(v, '=');
  size_t n = eq ? (size_t)(eq - v) : strlen(v);
  if (eq == NULL || !sysctl_key_ok(v, n))
    return cocin_fail(err, EINVAL,
                      "invalid --sysctl \"%s\": expected KEY=VALUE, KEY like net.ipv4.ip_forward", v);
  if (!sysctl_allowed(v, n))
    return cocin_fail(err, EPERM,
                      "invalid --sysctl \"%s\": %.*s is not allowed (the container's own "
                      "namespaces' only: net.*, fs.mqueue.*, kernel.msgmax, kernel.msgmnb, "
                      "kernel.msgmni, kernel.sem, kernel.shmall, kernel.shmmax, kernel.shmmni, "
                      "kernel.shm_rmid_forced)",
                      v, (int)n, v);
  if (strlen(eq + 1) > 4096 || strchr(eq + 1, '\n'))
    return cocin_fail(err, EINVAL,
                      "invalid --sysctl \"%s\": the value is one line of at most 4096 bytes", v);
  cocin_env_set(list, v); /* (KEY=VALUE: a later one for KEY replaces it) */
  return 0;
}

int cocin_spec_sysctls_check(const struct cocin_spec *s, cocin_error_t *err)
{
  for (char **k = s->sysctls; k && *k; k++) {
    if (!strncmp(*k, "net.", 4) && (s->host_network || s->net_container))
      return cocin_fail(err, EINVAL,
                        "--sysctl %.*s with --network %s%s: the network is not the "
                        "container's own",
                        (int)strcspn(*k, "="), *k, s->host_network ? "host" : "container:",
                        s->host_network ? "" : s->net_container);
    if (strncmp(*k, "net.", 4) && s->host_ipc) /* (the others are IPC's) */
      return cocin_fail(err, EINVAL,
                        "--sysctl %.*s with --ipc host: the IPC namespace is the host's",
                        (int)strcspn(*k, "="), *k);
  }
  return 0;
}

/* r, w and m, each at most once, at least one */
static bool device_access_ok(const char *a)
{
  size_t n = strlen(a);
  if (n == 0 || n > 3)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!strchr("rwm", a[i]) || strchr(a + i + 1, a[i]))
      return false;
  return true;
}

/* Where a device node may be made in the container: in its /dev, not on
 * a node of cocin's own, nor in /dev/shm or /dev/pts.  what: the
 * message's beginning. */
static int device_dest_check(const char *d, const char *what, cocin_error_t *err)
{
  if (strncmp(d, "/dev/", 5) || strlen(d) > 255)
    return cocin_fail(err, EINVAL,
                      "%s: cocin makes devices in the container's /dev only (like /dev/fuse)",
                      what);
  static const char *const ours[] = {"/dev/null", "/dev/zero",    "/dev/full", "/dev/random",
                                     "/dev/urandom", "/dev/tty", "/dev/ptmx", "/dev/console"};
  for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
    if (!strcmp(d, ours[i])) /* (the masked paths are bound to our null) */
      return cocin_fail(err, EINVAL, "%s: %s is cocin's own; give the device another name",
                        what, d);
  if (!strncmp(d, "/dev/shm", 8) || !strncmp(d, "/dev/pts", 8)) /* (and below them) */
    if (d[8] == '\0' || d[8] == '/')
      return cocin_fail(err, EINVAL,
                        "%s: /dev/shm and /dev/pts are filesystems of their own, where no "
                        "device opens",
                        what);
  return 0;
}

/* --device HOST[:CONTAINER][:PERMISSIONS] (docker's: CONTAINER is HOST
 * if not given, PERMISSIONS rwm); v: the flag as given */
static int device_add(struct cocin_spec *s, const char *host, const char *dest,
                      const char *access, const char *v, cocin_error_t *err)
{
  if (!path_clean_abs(host) || !path_clean_abs(dest))
    return cocin_fail(err, EINVAL,
                      "run: invalid --device \"%s\": the paths must be absolute, without \"..\"",
                      v);
  if (!device_access_ok(access))
    return cocin_fail(err, EINVAL,
                      "run: invalid --device \"%s\": the permissions are r, w and m (rwm)", v);
  cleanup_free char *h = xstrdup(host), *d = xstrdup(dest);
  path_tidy(h);
  path_tidy(d);
  {
    cleanup_free char *what = xasprintf("run: invalid --device \"%s\"", v);
    if (device_dest_check(d, what, err) < 0)
      return -1;
  }
  for (size_t i = 0; i < s->n_devices; i++)
    if (!strcmp(s->devices[i].dest, d))
      return cocin_fail(err, EINVAL, "run: --device: %s given twice", d);
  s->devices = xrealloc(s->devices, (s->n_devices + 1) * sizeof(*s->devices));
  struct cocin_device *dv = &s->devices[s->n_devices++];
  *dv = (struct cocin_device){.host = steal_ptr(h), .dest = steal_ptr(d)};
  snprintf(dv->rule.access, sizeof(dv->rule.access), "%s", access);
  return 0;
}

static int parse_device(struct cocin_spec *s, const char *v, cocin_error_t *err)
{
  cleanup_free char *copy = xstrdup(v);
  char *parts[3] = {copy, NULL, NULL};
  int n = 1;
  for (char *c = strchr(copy, ':'); c && n < 3; c = strchr(c + 1, ':')) {
    *c = '\0';
    parts[n++] = c + 1;
  }
  if (n == 3 && strchr(parts[2], ':'))
    return cocin_fail(err, EINVAL,
                      "run: invalid --device \"%s\": expected HOST[:CONTAINER][:PERMISSIONS]", v);
  /* HOST:rwm is HOST with permissions, as docker reads it; an empty
   * CONTAINER is HOST */
  if (n == 2 && device_access_ok(parts[1]))
    return device_add(s, parts[0], parts[0], parts[1], v, err);
  if (n == 2 && parts[1][0] && parts[1][0] != '/')
    return cocin_fail(err, EINVAL,
                      "run: invalid --device \"%s\": \"%s\" is neither the container's path "
                      "nor permissions (r, w and m: rwm)",
                      v, parts[1]);
  const char *dest = n > 1 && parts[1][0] ? parts[1] : parts[0];
  return device_add(s, parts[0], dest, n > 2 ? parts[2] : "rwm", v, err);
}

/* the nodes of a start: what cocin_devices_resolve made */
static void device_nodes_free(struct cocin_spec *s)
{
  for (size_t i = 0; i < s->n_device_nodes; i++) {
    free(s->device_nodes[i].host);
    free(s->device_nodes[i].dest);
  }
  free(s->device_nodes);
  s->device_nodes = NULL;
  s->n_device_nodes = 0;
}

#define DEVICE_NODES_MAX 1024 /* a start's nodes, all its --device given together */
#define DEVICE_DEPTH_MAX 16

/* One node (st: its stat) of --device g at host, to be made at dest. */
static int device_node_add(struct cocin_spec *s, const struct cocin_device *g, const char *host,
                           const char *dest, const struct stat *st, cocin_error_t *err)
{
  if (strcmp(g->dest, dest)) { /* (below a directory: the given one was checked) */
    cleanup_free char *what = xasprintf("--device %s: %s", g->host, host);
    if (device_dest_check(dest, what, err) < 0)
      return -1;
  }
  for (size_t i = 0; i < s->n_device_nodes; i++)
    if (!strcmp(s->device_nodes[i].dest, dest))
      return cocin_fail(err, EINVAL, "--device %s: %s is given twice (%s, %s)", g->host, dest,
                        s->device_nodes[i].host, host);
  if (s->n_device_nodes >= DEVICE_NODES_MAX)
    return cocin_fail(err, E2BIG, "--device %s: more than %d devices", g->host,
                      DEVICE_NODES_MAX);
  s->device_nodes = xrealloc(s->device_nodes, (s->n_device_nodes + 1) * sizeof(*s->device_nodes));
  struct cocin_device *n = &s->device_nodes[s->n_device_nodes++];
  *n = (struct cocin_device){.host = xstrdup(host), .dest = xstrdup(dest), .rule = g->rule};
  n->rule.type = S_ISCHR(st->st_mode) ? 'c' : 'b';
  n->rule.major = major(st->st_rdev);
  n->rule.minor = minor(st->st_rdev);
  n->mode = st->st_mode & 07777;
  return 0;
}

/* Every character and block device below the directory dir (host, made
 * at dest), in name order; links and other files passed over, no link
 * followed (docker walks so). */
static int devices_below(struct cocin_spec *s, const struct cocin_device *g, int dir,
                         const char *host, const char *dest, int depth, cocin_error_t *err)
{
  if (depth > DEVICE_DEPTH_MAX)
    return cocin_fail(err, ELOOP, "--device %s: directories more than %d deep", g->host,
                      DEVICE_DEPTH_MAX);
  struct dirent **names = NULL;
  int n = scandirat(dir, ".", &names, NULL, alphasort);
  if (n < 0)
    return cocin_fail_errno(err, "--device %s: read %s", g->host, host);
  int r = 0;
  for (int i = 0; i < n; i++) {
    const char *name = names[i]->d_name;
    struct stat st;
    if (r == 0 && strcmp(name, ".") && strcmp(name, "..") &&
        fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
      cleanup_free char *h = xasprintf("%s/%s", host, name);
      cleanup_free char *d = xasprintf("%s/%s", dest, name);
      if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
        r = device_node_add(s, g, h, d, &st, err);
      } else if (S_ISDIR(st.st_mode)) {
        cleanup_close int sub =
            openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        r = sub < 0 ? cocin_fail_errno(err, "--device %s: open %s", g->host, h)
                    : devices_below(s, g, sub, h, d, depth + 1, err);
      }
    }
    free(names[i]);
  }
  free(names);
  return r;
}

int cocin_devices_resolve(struct cocin_spec *s, cocin_error_t *err)
{
  device_nodes_free(s);
  for (size_t i = 0; i < s->n_devices; i++) {
    const struct cocin_device *d = &s->devices[i];
    struct stat st;
    if (stat(d->host, &st) < 0)
      return cocin_fail_errno(err, "--device %s", d->host);
    int r;
    if (S_ISDIR(st.st_mode)) { /* (docker takes every device below it) */
      cleanup_close int dir = open(d->host, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      r = dir < 0 ? cocin_fail_errno(err, "--device %s", d->host)
                  : devices_below(s, d, dir, d->host, d->dest, 1, err);
    } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
      r = device_node_add(s, d, d->host, d->dest, &st, err);
    } else {
      r = cocin_fail(err, EINVAL, "--device %s: not a device node, nor a directory", d->host);
    }
    if (r < 0) {
      device_nodes_free(s);
      return -1;
    }
  }
  free(s->device_rules);
  s->device_rules = xmalloc0((s->n_device_nodes + 1) * sizeof(*s->device_rules));
  for (size_t i = 0; i < s->n_device_nodes; i++)
    s->device_rules[i] = s->device_nodes[i].rule;
  s->limits.devices = s->device_rules;
  s->limits.n_devices = s->n_device_nodes;
  return 0;
}

/* A tmpfs at dst with options opts (NULL: docker's); v: the flag as
 * given, for the messages */
static int add_tmpfs(struct cocin_spec *s, char *dst, const char *opts, const char *flag,
                     const char *v, cocin_error_t *err)
{
  if (!path_clean_abs(dst))
    return cocin_fail(err, EINVAL,
                      "run: invalid %s \"%s\": the path must be absolute, without \"..\"", flag, v);
  path_tidy(dst);
  if (!strcmp(dst, "/"))
    return cocin_fail(err, EINVAL, "run: invalid %s \"%s\": cannot mount over /", flag, v);
  if (!strcmp(dst, "/proc") || !strncmp(dst, "/proc/", 6))
    return cocin_fail(err, EINVAL, "run: invalid %s \"%s\": not in /proc, the kernel's", flag, v);
  unsigned long flags;
  if (cocin_tmpfs_options(opts, &flags, NULL, err) < 0)
    return cocin_error_wrap(err, "run");
  if (mount_point_taken(s, dst))
    return cocin_fail(err, EINVAL, "run: duplicate mount point: %s", dst);
  s->tmpfs = xrealloc(s->tmpfs, (s->n_tmpfs + 1) * sizeof(*s->tmpfs));
  s->tmpfs[s->n_tmpfs++] = (struct cocin_tmpfs){xstrdup(dst), opts && *opts ? xstrdup(opts) : NULL};
  return 0;
}

static int parse_tmpfs(struct cocin_spec *s, const char *v, cocin_error_t *err)
{
  cleanup_free char *dst = xstrdup(v);
  char *opts = strchr(dst, ':');
  if (opts)
    *opts++ = '\0';
  return add_tmpfs(s, dst, opts, "--tmpfs", v, err);
}

/* A volume: src a host path (absolute), a volume's name, or NULL (an
 * anonymous volume); v: the flag as given, for the messages */
static int add_volume(struct cocin_spec *s, char *src, char *dst, bool ro, bool nocopy,
                      const char *v, cocin_error_t *err)
{
  bool named = src && src[0] != '/';
  if (named && cocin_volume_name_check(src, NULL) < 0)
    return cocin_fail(err, EINVAL,
                      "run: invalid volume \"%s\": \"%s\" is neither an absolute host path "
                      "nor a volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]+)",
                      v, src);
  if ((src && !named && !path_clean_abs(src)) || !path_clean_abs(dst))
    return cocin_fail(err, EINVAL,
                      src && !named ? "run: invalid volume \"%s\": both paths must be absolute, "
                                      "without \"..\""
                                    : "run: invalid volume \"%s\": the container's path must be "
                                      "absolute, without \"..\"",
                      v);
  if (src && !named)
    path_tidy(src);
  path_tidy(dst);
  if (nocopy && src && !named)
    return cocin_fail(err, EINVAL,
                      "run: invalid volume \"%s\": nocopy is for volumes, not a host path", v);
  if (mount_point_taken(s, dst))
    return cocin_fail(err, EINVAL, "run: duplicate mount point: %s", dst);
  struct stat st;
  if (src && !named && stat(src, &st) < 0)
    return cocin_fail_errno(err, "run: volume source %s", src);
  if (!strcmp(dst, "/"))
    return cocin_fail(err, EINVAL, "run: invalid volume \"%s\": cannot mount over /", v);
  s->mounts = xrealloc(s->mounts, (s->n_mounts + 1) * sizeof(*s->mounts));
  s->mounts[s->n_mounts++] = (struct cocin_mount){
      .source = src && !named ? xstrdup(src) : NULL,
      .dest = xstrdup(dst),
      .readonly = ro,
      .volume = named ? xstrdup(src) : NULL,
      .anonymous = src == NULL,
      .nocopy = nocopy,
  };
  return 0;
}

/* docker's propagation options, and those that change nothing here (z
 * and Z relabel for SELinux, which this host lacks; cached, delegated and
 * consistent are for macOS; rprivate is what every volume is) */
static bool inert_option(const char *opt)
{
  static const char *const inert[] = {"z", "Z", "cached", "delegated", "consistent", "rprivate",
                                      "private"};
  for (size_t i = 0; i < sizeof(inert) / sizeof(inert[0]); i++)
    if (!strcmp(opt, inert[i]))
      return true;
  return false;
}

/* -v's options, comma-separated: ro or rw, nocopy (an empty volume is
 * not filled from the image), and the inert ones; other propagations are
 * not done.  NULL if all are known (what they set in *ro, *rw, *nocopy),
 * else a copy of the first that is not. */
static char *volume_options(const char *s, bool *ro, bool *rw, bool *nocopy)
{
  cleanup_free char *copy = xstrdup(s);
  *ro = *rw = *nocopy = false;
  for (char *opt = copy, *next; opt; opt = next) {
    next = strchr(opt, ',');
    if (next)
      *next++ = '\0';
    if (!strcmp(opt, "ro"))
      *ro = true;
    else if (!strcmp(opt, "rw"))
      *rw = true;
    else if (!strcmp(opt, "nocopy"))
      *nocopy = true;
    else if (!inert_option(opt))
      return xstrdup(opt);
  }
  return NULL;
}

/* -v's three forms, as docker reads them: HOST:CTR[:OPTS] (a host path,
 * absolute), NAME:CTR[:OPTS] (a named volume, made at its first use) and
 * CTR[:OPTS] (an anonymous volume, the container's own) */
static int parse_volume(struct cocin_spec *s, const char *v, cocin_error_t *err)
{
  cleanup_free char *copy = xstrdup(v);
  char *src = copy, *dst = strchr(copy, ':'), *mode = NULL;
  bool ro = false, rw = false, nocopy = false;
  if (dst)
    *dst++ = '\0';
  cleanup_free char *not_opts = dst && *dst != '/' && src[0] == '/'
                                    ? volume_options(dst, &ro, &rw, &nocopy)
                                    : NULL;
  if (dst && *dst != '/' && src[0] == '/' && not_opts == NULL) { /* CTR:OPTS */
    mode = dst;
    dst = NULL;
  }
  ro = rw = nocopy = false; /* (read from mode below) */
  if (dst == NULL) { /* anonymous: the one path is the container's */
    dst = src;
    src = NULL;
  } else if ((mode = strchr(dst, ':'))) {
    *mode++ = '\0';
  }
  cleanup_free char *bad = mode ? volume_options(mode, &ro, &rw, &nocopy) : NULL;
  if (bad)
    return cocin_fail(err, EINVAL,
                      "run: invalid volume option \"%s\" in \"%s\": expected ro, rw or nocopy "
                      "(z, Z, cached, delegated, consistent, private and rprivate are taken and "
                      "change nothing)",
                      bad, v);
  if (ro && rw)
    return cocin_fail(err, EINVAL, "run: invalid volume \"%s\": both ro and rw", v);
  return add_volume(s, src, dst, ro, nocopy, v, err);
}

/* A --mount field's boolean: none (the key alone) is true */
static int mount_bool(const char *key, const char *val, bool *out, const char *v,
                      cocin_error_t *err)
{
  if (val == NULL || !strcmp(val, "true") || !strcmp(val, "1"))
    *out = true;
  else if (!strcmp(val, "false") || !strcmp(val, "0"))
    *out = false;
  else
    return cocin_fail(err, EINVAL, "run: invalid --mount \"%s\": %s=%s: expected true or false",
                      v, key, val);
  return 0;
}

/* --mount type=bind|volume|tmpfs,source=...,target=...[,readonly][,...]:
 * docker's fields, comma-separated (no field holds a comma here) */
static int parse_mount(struct cocin_spec *s, const char *v, cocin_error_t *err)
{
  cleanup_free char *copy = xstrdup(v);
  const char *type = "volume"; /* docker's default */
  char *src = NULL, *dst = NULL;
  bool ro = false, nocopy = false;
  cleanup_free char *tmpfs_opts = NULL;
  for (char *f = copy, *next; f; f = next) {
    next = strchr(f, ',');
    if (next)
      *next++ = '\0';
    char *val = strchr(f, '=');
    if (val)
      *val++ = '\0';
    if (val && (!strcmp(f, "type"))) {
      type = val;
    } else if (val && (!strcmp(f, "source") || !strcmp(f, "src"))) {
      src = val;
    } else if (val && (!strcmp(f, "target") || !strcmp(f, "destination") || !strcmp(f, "dst"))) {
      dst = val;
    } else if (!strcmp(f, "readonly") || !strcmp(f, "ro")) {
      if (mount_bool(f, val, &ro, v, err) < 0)
        return -1;
    } else if (!strcmp(f, "volume-nocopy")) {
      if (mount_bool(f, val, &nocopy, v, err) < 0)
        return -1;
    } else if (val && !strcmp(f, "bind-propagation") &&
               (!strcmp(val, "rprivate") || !strcmp(val, "private"))) {
      /* rprivate, private: what every volume is */
    } else if (val && !strcmp(f, "consistency")) {
      /* macOS's */
    } else if (val && !strcmp(f, "volume-driver") && !strcmp(val, "local")) {
      /* the only one */
    } else if (val && (!strcmp(f, "tmpfs-size") || !strcmp(f, "tmpfs-mode"))) {
      cleanup_free char *o = xasprintf("%s=%s", f[6] == 's' ? "size" : "mode", val);
      add_option(&tmpfs_opts, o);
    } else {
      return cocin_fail(err, EINVAL,
                        "run: invalid --mount \"%s\": unknown or unsupported field \"%s%s%s\" "
                        "(cocin takes type, source, target, readonly, volume-nocopy, "
                        "bind-propagation=rprivate|private, consistency, volume-driver=local, "
                        "tmpfs-size, tmpfs-mode)",
                        v, f, val ? "=" : "", val ? val : "");
    }
  }
  if (dst == NULL || *dst == '\0')
    return cocin_fail(err, EINVAL, "run: invalid --mount \"%s\": target is required", v);
  if (src && *src == '\0')
    src = NULL;
  bool tmpfs = !strcmp(type, "tmpfs");
  if (!tmpfs && strcmp(type, "bind") && strcmp(type, "volume"))
    return cocin_fail(err, EINVAL,
                      "run: invalid --mount \"%s\": type \"%s\": cocin takes bind, volume and tmpfs",
                      v, type);
  if (tmpfs_opts && !tmpfs)
    return cocin_fail(err, EINVAL, "run: invalid --mount \"%s\": tmpfs-size and tmpfs-mode are "
                      "for type=tmpfs", v);
  if (nocopy && strcmp(type, "volume"))
    return cocin_fail(err, EINVAL, "run: invalid --mount \"%s\": volume-nocopy is for "
                      "type=volume", v);
  if (tmpfs) {
    if (src)
      return cocin_fail(err, EINVAL, "run: invalid --mount \"%s\": a tmpfs takes no source", v);
    if (ro)
      add_option(&tmpfs_opts, "ro");
    return add_tmpfs(s, dst, tmpfs_opts, "--mount", v, err);
  }
  if (!strcmp(type, "bind")) {
    if (src == NULL)
      return cocin_fail(err, EINVAL, "run: invalid --mount \"%s\": a bind mount needs a source", v);
    if (src[0] != '/')
      return cocin_fail(err, EINVAL,
                        "run: invalid --mount \"%s\": a bind mount's source must be an absolute "
                        "path", v);
  } else if (src && src[0] == '/') {
    return cocin_fail(err, EINVAL,
                      "run: invalid --mount \"%s\": a volume's source is its name (type=bind for "
                      "a host path)", v);
  }
  return add_volume(s, src, dst, ro, nocopy, v, err);
}

int64_t cocin_duration_parse_ms(const char *s)
{
  /* Go's time.ParseDuration: [+]N[.N]unit..., units ns, us (µs, μs), ms,
   * s, m, h; "0" alone needs none.  Digits read by hand: no exponent,
   * no hex (strtod's) */
  static const struct {
    const char *unit;
    int64_t ns;
  } units[] = {{"ns", 1},
               {"us", 1000},
               {"\xc2\xb5s", 1000},
               {"\xce\xbcs", 1000},
               {"ms", 1000000},
               {"s", 1000000000LL},
               {"m", 60000000000LL},
               {"h", 3600000000000LL}};
  if (s == NULL || *s == '\0')
    return -1;
  if (*s == '+')
    s++;
  if (!strcmp(s, "0"))
    return 0;
  if (*s == '\0')
    return -1;
  const int64_t max_ns = 9000000000000000000LL; /* (about 285 years: int64 ns, as Go's) */
  int64_t total = 0;                                 /* ns */
  while (*s) {
    int64_t whole = 0, frac = 0, scale = 1;
    bool digits = false;
    for (; isdigit((unsigned char)*s); s++, digits = true) {
      if (whole > max_ns / 10)
        return -1;
      whole = whole * 10 + (*s - '0');
    }
    if (*s == '.') {
      for (s++; isdigit((unsigned char)*s); s++, digits = true)
        if (scale < 1000000000LL) { /* (more digits than ns: dropped) */
          frac = frac * 10 + (*s - '0');
          scale *= 10;
        }
    }
    if (!digits)
      return -1;
    size_t best = 0;
    int which = -1;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) { /* the longest: "ms" not "m" */
      size_t l = strlen(units[i].unit);
      if (!strncmp(s, units[i].unit, l) && l > best)
        best = l, which = (int)i;
    }
    if (which < 0)
      return -1;
    int64_t u = units[which].ns;
    if (whole > max_ns / u)
      return -1;
    /* (whole * u <= max_ns, and the fraction is less than u: no overflow) */
    int64_t add = whole * u + (int64_t)((__int128)frac * u / scale);
    if (add > max_ns - total)
      return -1;
    total += add;
    s += best;
  }
  return (total + 999999) / 1000000; /* (rounded up to whole ms) */
}

/* --health-cmd CMD (run by /bin/sh -c, docker's CMD-SHELL), and the
 * durations and count that go with it */
static int parse_health(struct cocin_spec *s, const char *flag, const char *v, cocin_error_t *err)
{
  struct cocin_health *h = &s->health;
  if (!strcmp(flag, "health-cmd")) {
    if (*v == '\0')
      return cocin_fail(err, EINVAL, "run: --health-cmd: an empty command");
    strv_free(h->test);
    h->test = xmalloc0(4 * sizeof(char *));
    h->test[0] = xstrdup("/bin/sh");
    h->test[1] = xstrdup("-c");
    h->test[2] = xstrdup(v);
    return 0;
  }
  if (!strcmp(flag, "health-retries")) {
    long n;
    if (!parse_long(v, 0, 1000000, &n)) /* (0: the default, as docker reads it) */
      return cocin_fail(err, EINVAL, "run: invalid --health-retries \"%s\": expected a number", v);
    h->retries = (int)n;
    return 0;
  }
  int64_t ms = cocin_duration_parse_ms(v);
  if (ms < 0)
    return cocin_fail(err, EINVAL,
                      "run: invalid --%s \"%s\": expected a duration (30s, 1m30s, 500ms)", flag, v);
  if (!strcmp(flag, "health-start-period")) {
    h->start_period_ms = ms;
    return 0;
  }
  if (!strcmp(flag, "health-interval")) /* (0: the default, as docker reads it) */
    h->interval_ms = ms;
  else
    h->timeout_ms = ms;
  return 0;
}

int cocin_env_add(char ***env, const char *word, bool from_caller, const char *verb,
                  cocin_error_t *err)
{
  const char *eq = strchr(word, '=');
  if (eq && eq != word) {
    strv_append(env, word);
    return 0;
  }
  if (eq == NULL && word[0] && from_caller) {
    const char *v = getenv(word);
    if (v) {
      cleanup_free char *kv = xasprintf("%s=%s", word, v);
      strv_append(env, kv);
    }
    return 0;
  }
  return cocin_fail(err, EINVAL, "%s: invalid environment \"%s\": expected KEY=VALUE%s", verb,
                    word, eq == NULL && word[0] ? " (cocinfs has no environment of yours to take it from)" : "");
}

#define ENV_FILE_MAX (1024 * 1024)

/* Well-formed UTF-8: no stray continuation byte, no sequence cut short,
 * no overlong form, nothing past U+10FFFF or in the surrogates. */
static bool utf8_valid(const char *s)
{
  for (const unsigned char *p = (const unsigned char *)s; *p;) {
    unsigned c = *p, n = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2
                                     : (c & 0xF8) == 0xF0 ? 3 : 4;
    if (n == 4 || (n == 1 && c < 0xC2) || (n == 3 && c > 0xF4))
      return false;
    unsigned cp = c & (0x7F >> n);
    for (unsigned k = 1; k <= n; k++) {
      if ((p[k] & 0xC0) != 0x80)
        return false;
      cp = (cp << 6) | (p[k] & 0x3F);
    }
    if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
      return false;
    p += n + 1;
  }
  return true;
}

/* A file a flag names (--env-file, --label-file), whole: a regular file,
 * or from the CLI a pipe; through a ctl file (not from_caller) by its
 * absolute path (cocinfs reads it, in its own working directory); 1 MiB
 * at most; no NUL byte */
static int read_flag_file(const char *flag, const char *path, bool from_caller, const char *verb,
                          char **out, cocin_error_t *err)
{
  if (!from_caller && path[0] != '/')
    return cocin_fail(err, EINVAL, "%s: %s %s: give an absolute path (cocinfs reads it)", verb,
                      flag, path);
  cleanup_close int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return cocin_fail_errno(err, "%s: %s %s", verb, flag, path);
  struct stat st;
  if (fstat(fd, &st) < 0)
    return cocin_fail_errno(err, "%s: %s %s", verb, flag, path);
  /* a pipe (--env-file <(...)) from the CLI only: cocinfs would wait on
   * its writer with a thread of the daemon */
  bool pipe = S_ISFIFO(st.st_mode) && from_caller;
  if (!S_ISREG(st.st_mode) && !pipe)
    return cocin_fail(err, EINVAL, "%s: %s %s: not a regular file%s", verb, flag, path,
                      from_caller ? " or a pipe" : "");
  if (pipe && fcntl(fd, F_SETFL, 0) < 0) /* blocking: read to its end */
    return cocin_fail_errno(err, "%s: %s %s", verb, flag, path);
  /* to the end of the file, whatever its size said (0 in /proc) */
  cleanup_free char *text = NULL;
  size_t len = 0;
  if (read_all_fd(fd, ENV_FILE_MAX, &text, &len) < 0)
    return errno == EFBIG ? cocin_fail(err, EINVAL, "%s: %s %s: over 1 MiB", verb, flag, path)
                          : cocin_fail_errno(err, "%s: %s %s", verb, flag, path);
  if (memchr(text, '\0', len))
    return cocin_fail(err, EINVAL, "%s: %s %s: holds a NUL byte", verb, flag, path);
  *out = steal_ptr(text);
  return 0;
}

int cocin_env_file_add(char ***env, size_t *at, const char *path, bool from_caller,
                       const char *verb, cocin_error_t *err)
{
  cleanup_free char *text = NULL;
  if (read_flag_file("--env-file", path, from_caller, verb, &text, err) < 0)
    return -1;
  cleanup_strv char **add = xmalloc0(sizeof(char *));
  int lineno = 0;
  char *start = text;
  if (!strncmp(start, "\xef\xbb\xbf", 3)) /* a byte-order mark, as docker drops it */
    start += 3;
  for (char *line = start, *next; line && *line; line = next) {
    lineno++;
    next = strchr(line, '\n');
    if (next)
      *next++ = '\0';
    size_t l = strlen(line);
    if (l && line[l - 1] == '\r') /* written on Windows */
      line[--l] = '\0';
    while (*line == ' ' || *line == '\t')
      line++;
    if (*line == '\0' || *line == '#')
      continue;
    if (!utf8_valid(line))
      return cocin_fail(err, EINVAL, "%s: --env-file %s: line %d: invalid UTF-8", verb, path,
                        lineno);
    size_t name_len = strcspn(line, "=");
    if (strcspn(line, " \t") < name_len)
      return cocin_fail(err, EINVAL,
                        "%s: --env-file %s: line %d: variable \"%.*s\" contains whitespace", verb,
                        path, lineno, (int)name_len, line);
    cleanup_free char *where = xasprintf("%s: --env-file %s: line %d", verb, path, lineno);
    if (cocin_env_add(&add, line, from_caller, where, err) < 0)
      return -1;
  }
  /* after the entries of earlier files, before every -e */
  size_t n_add = strv_len(add), n_env = strv_len(*env);
  char **merged = xmalloc0((n_env + n_add + 1) * sizeof(char *));
  size_t k = 0;
  for (size_t i = 0; i < *at && i < n_env; i++)
    merged[k++] = (*env)[i];
  for (size_t i = 0; i < n_add; i++)
    merged[k++] = add[i]; /* moved: the array goes, not its strings */
  for (size_t i = *at; i < n_env; i++)
    merged[k++] = (*env)[i];
  free(*env);
  free(steal_ptr(add));
  *env = merged;
  *at += n_add;
  return 0;
}

static bool port_number(const char *v, size_t len, uint16_t *out)
{
  unsigned long n = 0;
  if (len == 0 || len > 5)
    return false;
  for (size_t i = 0; i < len; i++) {
    if (v[i] < '0' || v[i] > '9')
      return false;
    n = n * 10 + (unsigned long)(v[i] - '0');
  }
  if (n == 0 || n > 65535)
    return false;
  *out = (uint16_t)n;
  return true;
}

/* -p [IP:]HOSTPORT:PORT[/tcp], docker's spelling; an IPv4 address */
static int parse_publish(struct cocin_spec *s, const char *v, cocin_error_t *err)
{
  cleanup_free char *copy = xstrdup(v);
  char *proto = strchr(copy, '/');
  if (proto) {
    *proto++ = '\0';
    if (!strcasecmp(proto, "udp") || !strcasecmp(proto, "sctp"))
      return cocin_fail(err, EINVAL, "run: -p %s: cocin publishes tcp ports only", v);
    if (strcasecmp(proto, "tcp"))
      return cocin_fail(err, EINVAL, "run: invalid -p %s: expected [IP:]HOSTPORT:PORT[/tcp]", v);
  }
  /* PORT, :PORT, IP::PORT: docker picks the host's port; cocin does not */
  char *last = strrchr(copy, ':');
  char *hostport = NULL;
  struct cocin_port p = {0};
  if (last) {
    *last = '\0';
    hostport = strrchr(copy, ':');
    if (hostport) {
      *hostport++ = '\0';
      struct in_addr a;
      if (inet_pton(AF_INET, copy, &a) != 1)
        return cocin_fail(err, EINVAL, "run: -p %s: \"%s\" is not an IPv4 address", v, copy);
      p.host_ip = a.s_addr;
    } else
      hostport = copy;
  }
  if (hostport == NULL || hostport[0] == '\0')
    return cocin_fail(err, EINVAL,
                      "run: -p %s: give the host's port too: -p HOSTPORT:%s (cocin picks none)",
                      v, last ? last + 1 : copy);
  if (!port_number(hostport, strlen(hostport), &p.host_port) ||
      !port_number(last + 1, strlen(last + 1), &p.container_port))
    return cocin_fail(err, EINVAL,
                      "run: invalid -p %s: expected [IP:]HOSTPORT:PORT, ports 1 to 65535", v);
  for (size_t i = 0; i < s->n_ports; i++)
    if (s->ports[i].host_port == p.host_port &&
        (s->ports[i].host_ip == p.host_ip || !s->ports[i].host_ip || !p.host_ip))
      return cocin_fail(err, EINVAL, "run: -p %s: host port %u is published twice", v,
                        (unsigned)p.host_port);
  if (s->n_ports >= COCIN_PORTS_MAX)
    return cocin_fail(err, EINVAL, "run: -p %s: at most %d published ports", v, COCIN_PORTS_MAX);
  s->ports = xrealloc(s->ports, (s->n_ports + 1) * sizeof(*s->ports));
  s->ports[s->n_ports++] = p;
  return 0;
}

static int check_hostname(const char *h, cocin_error_t *err)
{
  size_t l = strlen(h);
  bool ok = l > 0 && l <= 64;
  for (size_t i = 0; ok && i < l; i++)
    ok = isalnum((unsigned char)h[i]) || h[i] == '-' || h[i] == '.' || h[i] == '_';
  if (!ok)
    return cocin_fail(err, EINVAL, "run: invalid hostname \"%s\"", h);
  return 0;
}

/* --add-host NAME:IP (docker's: the first colon ends the name, so an
 * IPv6 address keeps its own) */
static bool add_host_ok(const char *v)
{
  const char *colon = strchr(v, ':');
  if (colon == NULL || colon == v || colon - v > 253)
    return false;
  for (const char *c = v; c < colon; c++)
    if (!isalnum((unsigned char)*c) && *c != '-' && *c != '.' && *c != '_')
      return false;
  unsigned char addr[16];
  return inet_pton(AF_INET, colon + 1, addr) == 1 || inet_pton(AF_INET6, colon + 1, addr) == 1;
}

static int parse_add_host(struct cocin_spec *s, const char *v, cocin_error_t *err)
{
  const char *colon = strchr(v, ':');
  if (colon && !strcmp(colon + 1, "host-gateway"))
    return cocin_fail(err, EINVAL,
                      "run: --add-host %s: cocin has no gateway to the host (no bridge): give "
                      "an address",
                      v);
  if (!add_host_ok(v))
    return cocin_fail(err, EINVAL, "run: invalid --add-host \"%s\": expected NAME:IP", v);
  strv_append(&s->extra_hosts, v);
  return 0;
}

int cocin_label_add(char ***labels, const char *v, const char *verb, cocin_error_t *err)
{
  /* docker's: KEY=VALUE, or KEY alone (an empty value); a key given again
   * takes the later value */
  const char *eq = strchr(v, '=');
  size_t klen = eq ? (size_t)(eq - v) : strlen(v);
  if (klen == 0)
    return cocin_fail(err, EINVAL, "%s: invalid label \"%s\": expected KEY=VALUE", verb, v);
  for (size_t i = 0; i < klen; i++)
    if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
      return cocin_fail(err, EINVAL, "%s: invalid label \"%s\": a control character in its key",
                        verb, v);
  cleanup_free char *kv = eq ? xstrdup(v) : xasprintf("%s=", v);
  cocin_env_set(labels, kv); /* (KEY=VALUE: a later one for KEY replaces it) */
  return 0;
}

/* --label-file FILE: a label per line; blank lines and # comments skipped
 * (docker's) */
static int parse_label_file(struct cocin_spec *s, const char *path, cocin_error_t *err)
{
  cleanup_free char *text = NULL;
  if (read_flag_file("--label-file", path, s->env_from_caller, "run", &text, err) < 0)
    return -1;
  cleanup_free char *where = xasprintf("run: --label-file %s", path);
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    while (*line == ' ' || *line == '\t')
      line++;
    size_t n = strlen(line);
    while (n && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r'))
      line[--n] = '\0';
    if (*line == '\0' || *line == '#')
      continue;
    if (cocin_label_add(&s->labels, line, where, err) < 0)
      return -1;
  }
  return 0;
}

struct run_parse {
  struct cocin_spec *s;
  size_t env_file_n; /* the first entries of s->env, from --env-file */
};

/* --cgroup-parent: a path of cgroup names ("/" between them, one before
 * them allowed), none of them "." or ".." */
static bool cgroup_parent_ok(const char *v)
{
  for (const char *c = v; *c;) {
    size_t n = strcspn(c, "/");
    if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
      return false;
    c += n + (c[n] == '/');
  }
  return *v != '\0';
}

static int run_opt(const struct cocin_opt *o, const char *v, void *data, cocin_error_t *err)
{
  struct run_parse *p = data;
  struct cocin_spec *s = p->s;
  switch (o->id) {
  case R_DETACH:
    s->detach = true;
    return 0;
  case R_INTERACTIVE:
    s->interactive = true;
    return 0;
  case R_TTY:
    s->tty = true;
    return 0;
  case R_RM:
    s->autoremove = true;
    return 0;
  case R_NAME:
    if (cocin_name_check(v, err) < 0)
      return cocin_error_wrap(err, "run");
    free(s->name);
    s->name = xstrdup(v);
    return 0;
  case R_ENV:
    return cocin_env_add(&s->env, v, s->env_from_caller, "run", err);
  case R_ENV_FILE:
    return cocin_env_file_add(&s->env, &p->env_file_n, v, s->env_from_caller, "run", err);
  case R_WORKDIR:
    if (!path_clean_abs(v))
      return cocin_fail(err, EINVAL, "run: workdir \"%s\" must be an absolute path", v);
    free(s->workdir);
    s->workdir = xstrdup(v);
    return 0;
  case R_VOLUME:
    return parse_volume(s, v, err);
  case R_MOUNT:
    return parse_mount(s, v, err);
  case R_HOSTNAME:
    if (check_hostname(v, err) < 0)
      return -1;
    free(s->hostname);
    s->hostname = xstrdup(v);
    return 0;
  case R_USER:
    if (cocin_user_check(v, err) < 0)
      return cocin_error_wrap(err, "run");
    free(s->user);
    s->user = xstrdup(v);
    return 0;
  case R_CGROUP_PARENT:
    if (!cgroup_parent_ok(v))
      return cocin_fail(err, EINVAL,
                        "run: invalid --cgroup-parent \"%s\": a cgroup path, no \".\" or \"..\" in it",
                        v);
    free(s->cgroup_parent);
    s->cgroup_parent = xstrdup(v);
    return 0;
  case R_NETWORK:
    if (!strcmp(v, "none") || !strcmp(v, "host")) {
      s->host_network = !strcmp(v, "host");
      free(s->net_container);
      s->net_container = NULL;
      return 0;
    }
    if (!strncmp(v, "container:", 10)) {
      if (cocin_name_check(v + 10, NULL) < 0)
        return cocin_fail(err, EINVAL, "run: --network \"%s\": expected container:NAME", v);
      s->host_network = false;
      free(s->net_container);
      s->net_container = xstrdup(v + 10);
      return 0;
    }
    return cocin_fail(err, EINVAL,
                      "run: --network \"%s\": cocin has the modes none (the container's own "
                      "network namespace with only a loopback, the default), host (the "
                      "host's) and container:NAME (another's)",
                      v);
  case R_ADD_HOST:
    return parse_add_host(s, v, err);
  case R_PUBLISH:
    if (o->arg == OPT_NONE) /* -P: docker publishes the image's EXPOSE, which cocin's lack */
      return cocin_fail(err, EINVAL,
                        "run: --publish-all: cocin's images declare no ports: publish each "
                        "with -p HOSTPORT:PORT");
    return parse_publish(s, v, err);
  case R_LIMIT:
    return cocin_limits_set(&s->limits, o->long_name, v, err) < 0 ? cocin_error_wrap(err, "run")
                                                                  : 0;
  case R_SECURITY:
    return cocin_security_set(&s->security, o->long_name, v, err) < 0
               ? cocin_error_wrap(err, "run")
               : 0;
  case R_STOP_SIGNAL: {
    int sig = cocin_signal_parse(v);
    if (sig <= 0)
      return cocin_fail(err, EINVAL, "run: invalid --stop-signal \"%s\": a signal's name or number", v);
    s->stop_signal = sig;
    return 0;
  }
  case R_STOP_TIMEOUT:
    if (!cocin_timeout_parse(v, &s->stop_timeout))
      return cocin_fail(err, EINVAL,
                        "run: invalid --stop-timeout \"%s\": expected seconds, or -1 for no limit", v);
    s->has_stop_timeout = true;
    return 0;
  case R_INIT:
    s->init = true;
    return 0;
  case R_RESTART:
    return cocin_restart_parse(v, &s->restart, &s->restart_max, "run", err);
  case R_TMPFS:
    return parse_tmpfs(s, v, err);
  case R_ULIMIT:
    return parse_ulimit(s, v, err);
  case R_HEALTH:
    return parse_health(s, o->long_name, v, err);
  case R_NO_HEALTHCHECK:
    s->no_healthcheck = true;
    return 0;
  case R_LABEL:
    return cocin_label_add(&s->labels, v, "run", err);
  case R_LABEL_FILE:
    return parse_label_file(s, v, err);
  case R_ENTRYPOINT:
    free(s->entrypoint);
    s->entrypoint = xstrdup(v);
    return 0;
  case R_SHM_SIZE: /* (0: docker's default, as docker reads it) */
    if (!strcmp(v, "0")) {
      s->shm_size = 0;
      return 0;
    }
    return cocin_size_parse("shm-size", v, &s->shm_size, err) < 0 ? cocin_error_wrap(err, "run")
                                                                  : 0;
  case R_SYSCTL:
    return sysctl_add(&s->sysctls, v, err) < 0 ? cocin_error_wrap(err, "run") : 0;
  case R_GROUP_ADD:
    if (cocin_group_check(v, err) < 0)
      return cocin_error_wrap(err, "run");
    strv_append(&s->group_add, v);
    return 0;
  case R_DEVICE:
    return parse_device(s, v, err);
  case R_IPC: /* docker's private and shareable are the same here: its own */
    if (strcmp(v, "host") && strcmp(v, "private") && strcmp(v, "shareable"))
      return cocin_fail(err, EINVAL,
                        "run: --ipc \"%s\": cocin has the modes private (its own IPC "
                        "namespace, the default; shareable is the same) and host (the host's)",
                        v);
    s->host_ipc = !strcmp(v, "host");
    return 0;
  case R_UTS:
    if (strcmp(v, "host") && *v)
      return cocin_fail(err, EINVAL,
                        "run: --uts \"%s\": cocin has the mode host (the host's hostname); "
                        "without it the container has its own",
                        v);
    s->host_uts = *v != '\0';
    return 0;
  case R_DETACH_KEYS: /* (a ctl run's has no terminal to detach from: read, unused) */
    if (*v && !cocin_detach_keys_parse(v, &s->detach_keys))
      return cocin_fail(err, EINVAL,
                        "run: invalid --detach-keys \"%s\": give characters or ctrl-X, comma "
                        "separated (ctrl-p,ctrl-q)",
                        v);
    return 0;
  case R_SIG_PROXY: /* (a ctl run's has no caller to signal: read, unused) */
    s->sig_proxy_given = true;
    s->no_sig_proxy = !strcmp(v, "false");
    return 0;
  case R_CIDFILE:
    if (!s->env_from_caller) /* (cocinfs would write a host file as root) */
      return cocin_fail(err, EINVAL, "run: --cidfile is the CLI's (the reply here has the id)");
    if (*v == '\0')
      return cocin_fail(err, EINVAL, "run: --cidfile needs a file's path");
    free(s->cidfile);
    s->cidfile = xstrdup(v);
    return 0;
  case R_HELP:
    s->help = true;
    return 0;
  default:
    return cocin_fail(err, EINVAL, "run: unhandled flag --%s", o->long_name);
  }
}

int cocin_spec_parse(struct cocin_spec *s, int argc, char **argv, cocin_error_t *err)
{
  int pos = 0;
  struct run_parse p = {s, 0};
  if (cocin_opts_parse(run_opts, argc, argv, &pos, run_opt, &p, "run", err) < 0)
    return -1;
  if (s->help)
    return 0;
  /* --privileged also lifts the devices cgroup policy (docker's rule) */
  s->limits.devices_unrestricted = s->security.privileged;
  if (cocin_limits_check(&s->limits, err) < 0)
    return cocin_error_wrap(err, "run");
  if (s->restart != COCIN_RESTART_NO && s->autoremove)
    return cocin_fail(err, EINVAL,
                      "run: --restart %s with --rm: a container removed when it ends cannot run "
                      "again",
                      cocin_restart_name(s->restart));
  struct cocin_health *hl = &s->health;
  bool health_flags =
      hl->test || hl->interval_ms || hl->timeout_ms || hl->retries || hl->start_period_ms;
  if (s->no_healthcheck && health_flags) /* docker's words */
    return cocin_fail(err, EINVAL, "run: --no-healthcheck conflicts with --health-* options");
  if (health_flags && hl->test == NULL)
    return cocin_fail(err, EINVAL,
                      "run: --health-interval, --health-timeout, --health-retries and "
                      "--health-start-period need --health-cmd (an image here has no "
                      "healthcheck of its own)");
  if (hl->test) { /* docker's defaults for what was not given (or 0) */
    if (hl->interval_ms == 0)
      hl->interval_ms = COCIN_HEALTH_INTERVAL_MS;
    if (hl->timeout_ms == 0)
      hl->timeout_ms = COCIN_HEALTH_TIMEOUT_MS;
    if (hl->retries == 0)
      hl->retries = COCIN_HEALTH_RETRIES;
  }
  if (s->net_container && (s->hostname || s->n_ports || s->extra_hosts))
    return cocin_fail(err, EINVAL,
                      "run: %s with --network container:%s: the container takes %s's network "
                      "(its hostname, hosts and ports too)",
                      s->hostname ? "-h" : s->n_ports ? "-p" : "--add-host", s->net_container,
                      s->net_container);
  if (s->host_network && s->n_ports)
    return cocin_fail(err, EINVAL,
                      "run: -p with --network host: the container's ports are the host's "
                      "already");
  if (cocin_spec_sysctls_check(s, err) < 0)
    return cocin_error_wrap(err, "run");
  if (s->host_uts && (s->hostname || s->net_container))
    return cocin_fail(err, EINVAL,
                      "run: %s with --uts host: the container's hostname is the host's",
                      s->hostname ? "-h" : "--network container:NAME");
  if (s->host_ipc && s->shm_size)
    return cocin_fail(err, EINVAL, "run: --shm-size with --ipc host: /dev/shm is the host's");
  /* the host's network or UTS namespace, the host's name (docker's rule), unless -h */
  if ((s->host_network || s->host_uts) && s->hostname == NULL) {
    char h[HOST_NAME_MAX + 1] = "";
    if (gethostname(h, sizeof(h)) == 0 && check_hostname(h, NULL) == 0)
      s->hostname = xstrdup(h);
  }
  if (pos >= argc)
    return cocin_fail(err, EINVAL, "run: requires an IMAGE (try: run busybox echo hi)");
  const char *image = argv[pos++];
  s->image = cocin_image_name(image, err);
  if (s->image == NULL)
    return cocin_error_wrap(err, "run");
  /* --entrypoint: the first word, the rest its arguments (an image here
   * has no ENTRYPOINT or CMD of its own: without one, sh) */
  bool ep = s->entrypoint && *s->entrypoint;
  if (pos < argc || ep) {
    s->args = xmalloc0((size_t)(argc - pos + 2) * sizeof(char *));
    size_t k = 0;
    if (ep)
      s->args[k++] = xstrdup(s->entrypoint);
    for (int i = pos; i < argc; i++)
      s->args[k++] = xstrdup(argv[i]);
  } else {
    s->args = xmalloc0(2 * sizeof(char *));
    s->args[0] = xstrdup("sh");
  }
  s->stdin_once = s->interactive && !s->detach; /* (docker's run -i, create -i) */
  return 0;
}

void cocin_spec_free(struct cocin_spec *s)
{
  free(s->name);
  free(s->image);
  strv_free(s->args);
  strv_free(s->env);
  free(s->hostname);
  free(s->workdir);
  free(s->user);
  strv_free(s->health.test);
  strv_free(s->labels);
  strv_free(s->sysctls);
  strv_free(s->group_add);
  free(s->cidfile);
  for (size_t i = 0; i < s->n_devices; i++) {
    free(s->devices[i].host);
    free(s->devices[i].dest);
  }
  free(s->devices);
  device_nodes_free(s);
  free(s->device_rules);
  free(s->entrypoint);
  for (size_t i = 0; i < s->n_mounts; i++) {
    free(s->mounts[i].source);
    free(s->mounts[i].dest);
    free(s->mounts[i].volume);
  }
  free(s->mounts);
  for (size_t i = 0; i < s->n_tmpfs; i++) {
    free(s->tmpfs[i].dest);
    free(s->tmpfs[i].options);
  }
  free(s->tmpfs);
  free(s->ulimits);
  free(s->ports);
  strv_free(s->extra_hosts);
  free(s->net_container);
  free(s->cgroup_parent);
  cocin_limits_free(&s->limits);
  cocin_security_free(&s->security);
  memset(s, 0, sizeof(*s));
}

static cJSON *strv_to_json(char *const *v)
{
  cJSON *a = cJSON_CreateArray();
  for (size_t i = 0; v && v[i]; i++)
    cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
  return a;
}

/* a whole number of a record's (a duration in ms, a count), -1 if none */
static int64_t json_ms(const cJSON *o, const char *key)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 1e13 ||
      v->valuedouble != (double)(int64_t)v->valuedouble)
    return -1;
  return (int64_t)v->valuedouble;
}

static char **strv_from_json(const cJSON *a)
{
  char **v = xmalloc0(sizeof(char *));
  const cJSON *it;
  cJSON_ArrayForEach(it, a)
  {
    if (cJSON_IsString(it))
      strv_append(&v, it->valuestring);
  }
  return v;
}

int cocin_spec_parse_create(struct cocin_spec *s, int argc, char **argv, cocin_error_t *err)
{
  cocin_error_t e = NULL;
  if (cocin_spec_parse(s, argc, argv, &e) < 0) {
    const char *m = cocin_error_msg(&e);
    if (!strncmp(m, "run: ", 5))
      m += 5;
    if (strstr(m, "(try: run busybox echo hi)")) /* its hint, in create's words */
      cocin_fail(err, EINVAL, "create: requires an IMAGE (try: create busybox echo hi)");
    else
      cocin_fail(err, cocin_error_status(&e), "create: %s", m);
    cocin_error_release(&e);
    return -1;
  }
  if (s->detach)
    return cocin_fail(err, EINVAL, "create: unknown shorthand flag: 'd' (a created container "
                      "starts detached)");
  if (s->sig_proxy_given)
    return cocin_fail(err, EINVAL, "create: unknown flag: --sig-proxy (run's and attach's: a "
                      "created container starts detached)");
  return 0;
}

/* KEY=VALUE words (labels, sysctls) as j's object {"KEY": "VALUE"} */
static void kv_to_object(cJSON *j, const char *key, char *const *list)
{
  cJSON *o = cJSON_AddObjectToObject(j, key);
  for (char *const *kv = list; *kv; kv++) {
    const char *eq = strchr(*kv, '=');
    cleanup_free char *k = xstrndup(*kv, (size_t)(eq - *kv));
    cJSON_AddStringToObject(o, k, eq + 1);
  }
}

cJSON *cocin_spec_to_json(const struct cocin_spec *s)
{
  cJSON *j = cJSON_CreateObject();
  cJSON_AddStringToObject(j, "name", s->name ? s->name : "");
  cJSON_AddStringToObject(j, "image", s->image ? s->image : "");
  cleanup_free char *cmd = strv_join(s->args, " ");
  cJSON_AddStringToObject(j, "command", cmd);
  cJSON_AddItemToObject(j, "args", strv_to_json(s->args));
  cJSON_AddItemToObject(j, "env", strv_to_json(s->env));
  cJSON_AddStringToObject(j, "hostname", s->hostname ? s->hostname : (s->name ? s->name : ""));
  if (s->workdir)
    cJSON_AddStringToObject(j, "workdir", s->workdir);
  if (s->user)
    cJSON_AddStringToObject(j, "user", s->user);
  cJSON *m = cJSON_AddArrayToObject(j, "mounts");
  for (size_t i = 0; i < s->n_mounts; i++) {
    cJSON *o = cJSON_CreateObject();
    const struct cocin_mount *v = &s->mounts[i];
    if (v->source)
      cJSON_AddStringToObject(o, "source", v->source);
    cJSON_AddStringToObject(o, "destination", v->dest);
    cJSON_AddBoolToObject(o, "readonly", v->readonly);
    if (v->volume)
      cJSON_AddStringToObject(o, "volume", v->volume);
    if (v->anonymous)
      cJSON_AddBoolToObject(o, "anonymous", true);
    cJSON_AddItemToArray(m, o);
  }
  if (s->n_tmpfs) {
    cJSON *t = cJSON_AddArrayToObject(j, "tmpfs");
    for (size_t i = 0; i < s->n_tmpfs; i++) {
      cJSON *o = cJSON_CreateObject();
      cJSON_AddStringToObject(o, "destination", s->tmpfs[i].dest);
      if (s->tmpfs[i].options)
        cJSON_AddStringToObject(o, "options", s->tmpfs[i].options);
      cJSON_AddItemToArray(t, o);
    }
  }
  if (s->n_ulimits) {
    cJSON *u = cJSON_AddArrayToObject(j, "ulimits");
    for (size_t i = 0; i < s->n_ulimits; i++) {
      cJSON *o = cJSON_CreateObject();
      cJSON_AddStringToObject(o, "name", ulimit_name(s->ulimits[i].resource));
      unsigned long long sv = s->ulimits[i].soft, hv = s->ulimits[i].hard;
      cJSON_AddNumberToObject(o, "soft", sv == COCIN_ULIMIT_UNLIMITED ? -1.0 : (double)sv);
      cJSON_AddNumberToObject(o, "hard", hv == COCIN_ULIMIT_UNLIMITED ? -1.0 : (double)hv);
      cJSON_AddItemToArray(u, o);
    }
  }
  cJSON_AddBoolToObject(j, "detach", s->detach);
  cJSON_AddBoolToObject(j, "tty", s->tty);
  cJSON_AddBoolToObject(j, "interactive", s->interactive);
  cJSON_AddBoolToObject(j, "stdinOnce", s->stdin_once);
  cJSON_AddBoolToObject(j, "autoRemove", s->autoremove);
  if (s->stop_signal > 0)
    cJSON_AddNumberToObject(j, "stopSignal", s->stop_signal);
  if (s->has_stop_timeout)
    cJSON_AddNumberToObject(j, "stopTimeout", s->stop_timeout);
  if (s->init)
    cJSON_AddBoolToObject(j, "init", true);
  cocin_restart_to_json(j, s->restart, s->restart_max);
  if (s->health.test) { /* docker's Config.Healthcheck, in milliseconds */
    cJSON *h = cJSON_AddObjectToObject(j, "healthcheck");
    cJSON_AddItemToObject(h, "test", strv_to_json(s->health.test));
    cJSON_AddNumberToObject(h, "interval", (double)s->health.interval_ms);
    cJSON_AddNumberToObject(h, "timeout", (double)s->health.timeout_ms);
    cJSON_AddNumberToObject(h, "retries", s->health.retries);
    cJSON_AddNumberToObject(h, "startPeriod", (double)s->health.start_period_ms);
  }
  if (s->cgroup_parent)
    cJSON_AddStringToObject(j, "cgroupParent", s->cgroup_parent);
  if (s->net_container) {
    cleanup_free char *mode = xasprintf("container:%s", s->net_container);
    cJSON_AddStringToObject(j, "network", mode);
  } else
    cJSON_AddStringToObject(j, "network", s->host_network ? "host" : "none");
  if (s->extra_hosts)
    cJSON_AddItemToObject(j, "extraHosts", strv_to_json(s->extra_hosts));
  if (s->host_ipc) /* docker's HostConfig.IpcMode, UTSMode */
    cJSON_AddStringToObject(j, "ipc", "host");
  if (s->host_uts)
    cJSON_AddStringToObject(j, "uts", "host");
  if (s->labels) /* docker's Config.Labels: an object */
    kv_to_object(j, "labels", s->labels);
  cJSON *ps = cJSON_AddArrayToObject(j, "ports");
  for (size_t i = 0; i < s->n_ports; i++) {
    char ip[INET_ADDRSTRLEN] = "0.0.0.0";
    inet_ntop(AF_INET, &s->ports[i].host_ip, ip, sizeof(ip));
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "hostIp", ip);
    cJSON_AddNumberToObject(o, "hostPort", s->ports[i].host_port);
    cJSON_AddNumberToObject(o, "containerPort", s->ports[i].container_port);
    cJSON_AddStringToObject(o, "protocol", "tcp");
    if (s->ports[i].v6) /* (run's, not asked for: a start listens where it can) */
      cJSON_AddStringToObject(o, "hostIp6", "::");
    cJSON_AddItemToArray(ps, o);
  }
  if (s->n_devices) { /* docker's HostConfig.Devices */
    cJSON *d = cJSON_AddArrayToObject(j, "devices");
    for (size_t i = 0; i < s->n_devices; i++) {
      cJSON *o = cJSON_CreateObject();
      cJSON_AddStringToObject(o, "pathOnHost", s->devices[i].host);
      cJSON_AddStringToObject(o, "pathInContainer", s->devices[i].dest);
      cJSON_AddStringToObject(o, "cgroupPermissions", s->devices[i].rule.access);
      cJSON_AddItemToArray(d, o);
    }
  }
  if (s->group_add) /* docker's HostConfig.GroupAdd */
    cJSON_AddItemToObject(j, "groupAdd", strv_to_json(s->group_add));
  if (s->shm_size)
    cJSON_AddNumberToObject(j, "shmSize", (double)s->shm_size);
  if (s->sysctls) /* docker's HostConfig.Sysctls: an object */
    kv_to_object(j, "sysctls", s->sysctls);
  cJSON_AddItemToObject(j, "limits", cocin_limits_to_json(&s->limits));
  cJSON_AddItemToObject(j, "security", cocin_security_to_json(&s->security));
  return j;
}

int cocin_ports_from_json(const cJSON *ports, struct cocin_port **out, size_t *n,
                          cocin_error_t *err)
{
  *out = NULL;
  *n = 0;
  const cJSON *pj;
  cJSON_ArrayForEach(pj, ports)
  {
    const cJSON *ip = cJSON_GetObjectItemCaseSensitive(pj, "hostIp");
    const cJSON *hp = cJSON_GetObjectItemCaseSensitive(pj, "hostPort");
    const cJSON *cp = cJSON_GetObjectItemCaseSensitive(pj, "containerPort");
    struct in_addr a;
    if (!cJSON_IsString(ip) || inet_pton(AF_INET, ip->valuestring, &a) != 1 ||
        !cJSON_IsNumber(hp) || hp->valuedouble < 1 || hp->valuedouble > 65535 ||
        hp->valuedouble != (double)hp->valueint || !cJSON_IsNumber(cp) ||
        cp->valuedouble < 1 || cp->valuedouble > 65535 || cp->valuedouble != (double)cp->valueint ||
        *n >= COCIN_PORTS_MAX) {
      free(*out);
      *out = NULL;
      *n = 0;
      return cocin_fail(err, EINVAL, "a published port in the container's record is invalid");
    }
    *out = xrealloc(*out, (*n + 1) * sizeof(**out));
    (*out)[(*n)++] = (struct cocin_port){a.s_addr, (uint16_t)hp->valueint, (uint16_t)cp->valueint,
                                         cJSON_IsString(cJSON_GetObjectItemCaseSensitive(pj, "hostIp6"))};
  }
  return 0;
}

static char *dup_opt(const cJSON *j, const char *key)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
  return cJSON_IsString(v) ? xstrdup(v->valuestring) : NULL;
}

static const char *const restart_names[] = {"no", "on-failure", "always", "unless-stopped"};

const char *cocin_restart_name(int policy)
{
  return policy >= 0 && policy <= COCIN_RESTART_UNLESS_STOPPED ? restart_names[policy] : "no";
}

/* the policy named by the first len bytes of v, or -1 */
static int restart_policy_of(const char *v, size_t len)
{
  for (int i = 0; i <= COCIN_RESTART_UNLESS_STOPPED; i++)
    if (strlen(restart_names[i]) == len && !strncmp(v, restart_names[i], len))
      return i;
  return -1;
}

int cocin_restart_parse(const char *v, int *policy, int *max, const char *verb,
                        cocin_error_t *err)
{
  const char *colon = strchr(v, ':');
  int p = restart_policy_of(v, colon ? (size_t)(colon - v) : strlen(v));
  if (p < 0)
    return cocin_fail(err, EINVAL,
                      "%s: invalid --restart \"%s\": no, on-failure[:MAX-RETRIES], always or "
                      "unless-stopped",
                      verb, v);
  long n = 0;
  if (colon) {
    if (p != COCIN_RESTART_ON_FAILURE)
      return cocin_fail(err, EINVAL,
                        "%s: invalid --restart \"%s\": only on-failure takes a maximum of "
                        "retries",
                        verb, v);
    char *end = NULL;
    errno = 0;
    n = strtol(colon + 1, &end, 10);
    if (!isdigit((unsigned char)colon[1]) || *end || errno || n > 1000000)
      return cocin_fail(err, EINVAL,
                        "%s: invalid --restart \"%s\": the maximum of retries is a number from "
                        "0 (no limit) to 1000000",
                        verb, v);
  }
  *policy = p;
  *max = (int)n;
  return 0;
}

void cocin_restart_to_json(cJSON *j, int policy, int max)
{
  cJSON_DeleteItemFromObjectCaseSensitive(j, "restartPolicy");
  if (policy == COCIN_RESTART_NO)
    return;
  cJSON *r = cJSON_AddObjectToObject(j, "restartPolicy"); /* docker's HostConfig.RestartPolicy */
  cJSON_AddStringToObject(r, "name", cocin_restart_name(policy));
  cJSON_AddNumberToObject(r, "maximumRetryCount", max);
}

bool cocin_restart_applies(int policy, int max, int code, int64_t count)
{
  if (policy == COCIN_RESTART_ON_FAILURE)
    return code != 0 && (max == 0 || count < max);
  return policy == COCIN_RESTART_ALWAYS || policy == COCIN_RESTART_UNLESS_STOPPED;
}

int cocin_spec_restart(const cJSON *j, int *policy, int *max)
{
  *policy = COCIN_RESTART_NO;
  *max = 0;
  const cJSON *r = cJSON_GetObjectItemCaseSensitive(j, "restartPolicy");
  if (r == NULL || cJSON_IsNull(r))
    return 0;
  const cJSON *name = cJSON_GetObjectItemCaseSensitive(r, "name");
  const cJSON *n = cJSON_GetObjectItemCaseSensitive(r, "maximumRetryCount");
  int p = cJSON_IsString(name) ? restart_policy_of(name->valuestring, strlen(name->valuestring))
                               : -1;
  if (p < 0 || (n && !(cJSON_IsNumber(n) && n->valuedouble >= 0 && n->valuedouble <= 1000000 &&
                       n->valuedouble == (double)n->valueint)))
    return -1;
  *policy = p;
  *max = n ? n->valueint : 0;
  return 0;
}

int cocin_spec_stop_signal(const cJSON *j)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "stopSignal");
  return cJSON_IsNumber(v) && v->valuedouble >= 1 && v->valuedouble <= 64 &&
                 v->valuedouble == (double)v->valueint
             ? v->valueint
             : 0;
}

int cocin_spec_stop_timeout(const cJSON *j, int unset)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "stopTimeout");
  return cJSON_IsNumber(v) && v->valuedouble >= -1 && v->valuedouble <= COCIN_TIMEOUT_MAX &&
                 v->valuedouble == (double)v->valueint
             ? v->valueint
             : unset;
}

int cocin_spec_from_json(const cJSON *j, struct cocin_spec *s, cocin_error_t *err)
{
  memset(s, 0, sizeof(*s));
  s->name = dup_opt(j, "name");
  s->image = dup_opt(j, "image");
  s->args = strv_from_json(cJSON_GetObjectItemCaseSensitive(j, "args"));
  s->env = strv_from_json(cJSON_GetObjectItemCaseSensitive(j, "env"));
  s->hostname = dup_opt(j, "hostname");
  s->workdir = dup_opt(j, "workdir");
  s->cgroup_parent = dup_opt(j, "cgroupParent");
  s->user = dup_opt(j, "user");
  if (s->user && cocin_user_check(s->user, err) < 0)
    return -1;
  const cJSON *m, *ms = cJSON_GetObjectItemCaseSensitive(j, "mounts");
  cJSON_ArrayForEach(m, ms)
  {
    s->mounts = xrealloc(s->mounts, (s->n_mounts + 1) * sizeof(*s->mounts));
    s->mounts[s->n_mounts++] = (struct cocin_mount){
        dup_opt(m, "source"), dup_opt(m, "destination"),
        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "readonly")), dup_opt(m, "volume"),
        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "anonymous"))};
    const struct cocin_mount *v = &s->mounts[s->n_mounts - 1];
    if (v->source == NULL || v->dest == NULL || v->source[0] != '/' || v->dest[0] != '/' ||
        (v->volume && cocin_volume_name_check(v->volume, NULL) < 0) ||
        (v->anonymous && v->volume == NULL))
      return cocin_fail(err, EINVAL, "a volume in the container's record is invalid");
  }
  const cJSON *t, *ts = cJSON_GetObjectItemCaseSensitive(j, "tmpfs");
  cJSON_ArrayForEach(t, ts)
  {
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(t, "destination");
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(t, "options");
    cleanup_free char *given = NULL;
    if (cJSON_IsString(d))
      given = o ? (cJSON_IsString(o) ? xasprintf("%s:%s", d->valuestring, o->valuestring) : NULL)
                : xstrdup(d->valuestring);
    if (given == NULL || parse_tmpfs(s, given, NULL) < 0)
      return cocin_fail(err, EINVAL, "a --tmpfs in the container's record is invalid");
  }
  const cJSON *u, *us = cJSON_GetObjectItemCaseSensitive(j, "ulimits");
  cJSON_ArrayForEach(u, us)
  {
    const cJSON *nm = cJSON_GetObjectItemCaseSensitive(u, "name");
    const cJSON *so = cJSON_GetObjectItemCaseSensitive(u, "soft");
    const cJSON *ha = cJSON_GetObjectItemCaseSensitive(u, "hard");
    bool ok = cJSON_IsString(nm) && cJSON_IsNumber(so) && cJSON_IsNumber(ha) &&
              so->valuedouble >= -1 && ha->valuedouble >= -1 && so->valuedouble < 1e15 &&
              ha->valuedouble < 1e15 && so->valuedouble == (double)(long long)so->valuedouble &&
              ha->valuedouble == (double)(long long)ha->valuedouble;
    cleanup_free char *given =
        ok ? xasprintf("%s=%lld:%lld", nm->valuestring, (long long)so->valuedouble,
                       (long long)ha->valuedouble)
           : NULL;
    if (given == NULL || parse_ulimit(s, given, NULL) < 0)
      return cocin_fail(err, EINVAL, "a --ulimit in the container's record is invalid");
  }
  s->detach = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "detach"));
  s->tty = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "tty"));
  s->interactive = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "interactive"));
  s->stdin_once = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "stdinOnce"));
  s->autoremove = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "autoRemove"));
  s->stop_signal = cocin_spec_stop_signal(j);
  if (cJSON_GetObjectItemCaseSensitive(j, "stopTimeout")) {
    s->stop_timeout = cocin_spec_stop_timeout(j, -2);
    if (s->stop_timeout == -2)
      return cocin_fail(err, EINVAL, "stopTimeout in the container's record is invalid");
    s->has_stop_timeout = true;
  }
  s->init = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "init"));
  const cJSON *hc = cJSON_GetObjectItemCaseSensitive(j, "healthcheck");
  if (hc) {
    struct cocin_health *h = &s->health;
    h->test = strv_from_json(cJSON_GetObjectItemCaseSensitive(hc, "test"));
    h->interval_ms = json_ms(hc, "interval");
    h->timeout_ms = json_ms(hc, "timeout");
    int64_t retries = json_ms(hc, "retries");
    h->retries = retries > 1000000 ? -1 : (int)retries;
    h->start_period_ms = json_ms(hc, "startPeriod");
    if (h->test == NULL || h->test[0] == NULL || h->interval_ms < 1 || h->timeout_ms < 1 ||
        h->retries < 1 || h->retries > 1000000 || h->start_period_ms < 0)
      return cocin_fail(err, EINVAL, "healthcheck in the container's record is invalid");
  }
  if (cocin_spec_restart(j, &s->restart, &s->restart_max) < 0)
    return cocin_fail(err, EINVAL, "restartPolicy in the container's record is invalid");
  const cJSON *net = cJSON_GetObjectItemCaseSensitive(j, "network");
  s->host_network = cJSON_IsString(net) && !strcmp(net->valuestring, "host");
  if (cJSON_IsString(net) && !strncmp(net->valuestring, "container:", 10) &&
      cocin_name_check(net->valuestring + 10, NULL) == 0)
    s->net_container = xstrdup(net->valuestring + 10);
  else if (net && !s->host_network && !(cJSON_IsString(net) && !strcmp(net->valuestring, "none")))
    return cocin_fail(err, EINVAL, "unknown network mode in the container's record");
  const cJSON *ipc = cJSON_GetObjectItemCaseSensitive(j, "ipc");
  const cJSON *uts = cJSON_GetObjectItemCaseSensitive(j, "uts");
  if ((ipc && !(cJSON_IsString(ipc) && !strcmp(ipc->valuestring, "host"))) ||
      (uts && !(cJSON_IsString(uts) && !strcmp(uts->valuestring, "host"))))
    return cocin_fail(err, EINVAL, "ipc or uts in the container's record is invalid");
  s->host_ipc = ipc != NULL;
  s->host_uts = uts != NULL;
  const cJSON *eh, *ehs = cJSON_GetObjectItemCaseSensitive(j, "extraHosts");
  cJSON_ArrayForEach(eh, ehs)
  {
    if (!cJSON_IsString(eh) || !add_host_ok(eh->valuestring))
      return cocin_fail(err, EINVAL, "an --add-host line in the container's record is invalid");
    strv_append(&s->extra_hosts, eh->valuestring);
  }
  const cJSON *lb, *lbs = cJSON_GetObjectItemCaseSensitive(j, "labels");
  cJSON_ArrayForEach(lb, lbs)
  {
    if (!cJSON_IsString(lb) || lb->string == NULL || lb->string[0] == '\0')
      return cocin_fail(err, EINVAL, "labels in the container's record are invalid");
    cleanup_free char *kv = xasprintf("%s=%s", lb->string, lb->valuestring);
    strv_append(&s->labels, kv);
  }
  const cJSON *dv, *dvs = cJSON_GetObjectItemCaseSensitive(j, "devices");
  if (dvs && !cJSON_IsArray(dvs))
    return cocin_fail(err, EINVAL, "devices in the container's record are invalid");
  cJSON_ArrayForEach(dv, dvs)
  {
    const char *h = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(dv, "pathOnHost"));
    const char *d = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(dv, "pathInContainer"));
    const char *a =
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(dv, "cgroupPermissions"));
    if (!h || !d || !a || device_add(s, h, d, a, "(its record's)", NULL) < 0)
      return cocin_fail(err, EINVAL, "a --device in the container's record is invalid");
  }
  const cJSON *ga, *gas = cJSON_GetObjectItemCaseSensitive(j, "groupAdd");
  if (gas && !cJSON_IsArray(gas))
    return cocin_fail(err, EINVAL, "groupAdd in the container's record is invalid");
  cJSON_ArrayForEach(ga, gas)
  {
    if (!cJSON_IsString(ga) || cocin_group_check(ga->valuestring, NULL) < 0)
      return cocin_fail(err, EINVAL, "a --group-add in the container's record is invalid");
    strv_append(&s->group_add, ga->valuestring);
  }
  const cJSON *shm = cJSON_GetObjectItemCaseSensitive(j, "shmSize");
  if (shm) {
    if (!cJSON_IsNumber(shm) || shm->valuedouble < 1 || shm->valuedouble >= 9.2e18)
      return cocin_fail(err, EINVAL, "shmSize in the container's record is invalid");
    s->shm_size = (int64_t)shm->valuedouble;
  }
  const cJSON *sc, *scs = cJSON_GetObjectItemCaseSensitive(j, "sysctls");
  if (scs && !cJSON_IsObject(scs))
    return cocin_fail(err, EINVAL, "sysctls in the container's record are invalid");
  cJSON_ArrayForEach(sc, scs)
  {
    cleanup_free char *kv =
        cJSON_IsString(sc) && sc->string ? xasprintf("%s=%s", sc->string, sc->valuestring) : NULL;
    if (kv == NULL || sysctl_add(&s->sysctls, kv, NULL) < 0)
      return cocin_fail(err, EINVAL, "a --sysctl in the container's record is invalid");
  }
  if (cocin_ports_from_json(cJSON_GetObjectItemCaseSensitive(j, "ports"), &s->ports, &s->n_ports,
                            err) < 0)
    return -1;
  /* (a record edited by hand: the network's parameters only in its own) */
  if (cocin_spec_sysctls_check(s, err) < 0)
    return cocin_error_wrap(err, "the container's record");
  if (cocin_limits_from_json(cJSON_GetObjectItemCaseSensitive(j, "limits"), &s->limits, err) < 0)
    return -1;
  if (cocin_security_from_json(cJSON_GetObjectItemCaseSensitive(j, "security"), &s->security,
                               err) < 0)
    return -1;
  return 0;
}

void cocin_env_set(char ***env, const char *kv)
{
  size_t klen = strcspn(kv, "=");
  for (char **p = *env; p && *p; p++) {
    if (!strncmp(*p, kv, klen) && (*p)[klen] == '=') {
      free(*p);
      *p = xstrdup(kv);
      return;
    }
  }
  strv_append(env, kv);
}

char **cocin_spec_build_env(const struct cocin_spec *s, char *const *extra, bool tty)
{
  char **env = xmalloc0(sizeof(char *));
  cocin_env_set(&env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  cleanup_free char *host =
      xasprintf("HOSTNAME=%.64s", s->hostname ? s->hostname : (s->name ? s->name : ""));
  cocin_env_set(&env, host);
  /* root's; another user's is set where its passwd entry is read */
  cocin_env_set(&env, s->user ? "HOME=/" : "HOME=/root");
  if (tty)
    cocin_env_set(&env, "TERM=xterm");
  for (char **p = s->env; p && *p; p++)
    cocin_env_set(&env, *p);
  for (char *const *p = extra; p && *p; p++)
    cocin_env_set(&env, *p);
  return env;
}

bool cocin_detach_keys_parse(const char *v, struct cocin_detach_keys *k)
{
  k->len = 0;
  const char *p = v;
  for (;;) {
    size_t n = strcspn(p, ",");
    if (k->len == sizeof(k->seq))
      return false;
    if (n == 1) {
      k->seq[k->len++] = p[0];
    } else if (n == 6 && !strncasecmp(p, "ctrl-", 5)) {
      char c = (char)tolower((unsigned char)p[5]);
      if (c >= 'a' && c <= 'z')
        k->seq[k->len++] = (char)(c - 'a' + 1);
      else if (c >= '@' && c <= '_' && !(c >= 'A' && c <= 'Z'))
        k->seq[k->len++] = (char)(c - '@');
      else
        return false;
    } else {
      return false;
    }
    if (p[n] == '\0')
      return true;
    p += n + 1;
  }
}
