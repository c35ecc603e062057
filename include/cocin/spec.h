/* cocin — what a container is asked to be: the parsed `run` command line.
 * One parser serves the CLI and the filesystem's ctl file. */
#ifndef COCIN_SPEC_H
#define COCIN_SPEC_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "cgroup.h"
#include "error.h"
#include "security.h"

struct cocin_mount {
  char *source; /* absolute host path (a volume's: NULL until run finds it) */
  char *dest;   /* absolute path in the container */
  bool readonly;
  char *volume;   /* -v NAME:PATH, a named volume's NAME; NULL: a host path */
  bool anonymous; /* -v PATH: a volume of its own, named by run (volume: NULL until then) */
  bool nocopy;    /* a new volume is not filled from the image (not recorded) */
};

/* --health-cmd and the like: docker's HEALTHCHECK.  The test runs in the
 * container as exec runs a command, every interval; one that fails, or
 * takes longer than timeout, counts a failure; retries failures in a row
 * make the container unhealthy (not counted within start_period of its
 * start, unless it was healthy once). */
struct cocin_health {
  char **test;              /* argv: /bin/sh -c CMD for --health-cmd */
  int64_t interval_ms;      /* 30 s */
  int64_t timeout_ms;       /* 30 s */
  int retries;              /* 3 */
  int64_t start_period_ms;  /* 0 */
};
#define COCIN_HEALTH_INTERVAL_MS 30000
#define COCIN_HEALTH_TIMEOUT_MS 30000
#define COCIN_HEALTH_RETRIES 3
/* A Go duration as docker takes it ("30s", "1m30s", "500ms", "1h"): its
 * milliseconds (rounded up from ns and us), -1 if it is not one. */
int64_t cocin_duration_parse_ms(const char *s);
/* -l KEY=VALUE (or KEY) into labels: a key given again takes the later
 * value; EINVAL for an empty key */
int cocin_label_add(char ***labels, const char *v, const char *verb, cocin_error_t *err);

/* --device HOST[:CONTAINER][:PERMISSIONS]: the host's device node host
 * made at dest in the container's /dev, and allowed by its devices
 * policy; rule's numbers are the host node's, looked up at each start */
struct cocin_device {
  char *host; /* absolute, tidy */
  char *dest; /* absolute, tidy, in /dev */
  struct cocin_device_rule rule;
  mode_t mode; /* the host node's permission bits */
};

/* --tmpfs PATH[:OPTIONS]: a tmpfs of the container's own at dest */
struct cocin_tmpfs {
  char *dest;    /* absolute, tidy */
  char *options; /* as given, checked (cocin_tmpfs_options); NULL: none */
};
/* OPTIONS of --tmpfs (NULL or ""), as docker takes them: ro/rw,
 * exec/noexec, suid/nosuid, dev/nodev (noexec, nosuid and nodev unless
 * said), size=N[k|m|g|%], nr_inodes=N[k|m|g], mode=OCTAL, uid=N, gid=N.
 * *flags: the mount flags; *data (may be NULL): the rest, for mount(2).
 * EINVAL naming the option otherwise. */
int cocin_tmpfs_options(const char *options, unsigned long *flags, char **data,
                        cocin_error_t *err);

/* --ulimit NAME=SOFT[:HARD]: a resource limit of the container's
 * processes (exec's too); COCIN_ULIMIT_UNLIMITED: none */
#define COCIN_ULIMIT_UNLIMITED (~0ULL)
struct cocin_ulimit {
  int resource; /* RLIMIT_* */
  unsigned long long soft, hard;
};
/* Set each of s's --ulimit (before the capabilities are dropped: raising
 * a hard limit needs CAP_SYS_RESOURCE); the kernel's refusal names it. */
struct cocin_spec;
int cocin_ulimits_apply(const struct cocin_spec *s, cocin_error_t *err);

/* -p [IP:]HOSTPORT:PORT[/tcp]: the host's port relayed to the
 * container's (proxy.c) */
struct cocin_port {
  uint32_t host_ip; /* network byte order; 0: every address */
  uint16_t host_port, container_port;
  bool v6; /* set when run listens on [::] too (no address given, IPv6 here) */
};
#define COCIN_PORTS_MAX 32
/* A record's "ports" array (cocin_spec_to_json's), into *out (free it);
 * EINVAL, and none, if an entry is not one. */
int cocin_ports_from_json(const cJSON *ports, struct cocin_port **out, size_t *n,
                          cocin_error_t *err);

/* keys that detach from a container's terminal: their bytes in order */
struct cocin_detach_keys {
  char seq[16];
  size_t len;
};
/* docker's --detach-keys: comma-separated, each a character or ctrl-X (X
 * a letter, or one of @ [ \ ] ^ _); false if v is not that */
bool cocin_detach_keys_parse(const char *v, struct cocin_detach_keys *k);

struct cocin_spec {
  char *name;     /* --name, or generated */
  char *image;    /* first non-option word */
  char **args;    /* the command, NULL-terminated; NULL = image default (sh) */
  char **env;     /* -e K=V; the final environment is built at start */
  char *hostname; /* -h; default the name */
  char *workdir;  /* -w */
  char *user;     /* -u USER[:GROUP] as given; NULL: root */
  struct cocin_mount *mounts; /* -v */
  size_t n_mounts;
  struct cocin_tmpfs *tmpfs; /* --tmpfs */
  size_t n_tmpfs;
  struct cocin_ulimit *ulimits; /* --ulimit, one per resource */
  size_t n_ulimits;
  char *cgroup_parent; /* --cgroup-parent */
  /* --network host: the host's network namespace, where the default
   * (none) is one of the container's own with only its loopback */
  bool host_network;
  /* --network container:NAME: that running container's network namespace
   * (and its hostname), joined at each start */
  char *net_container;
  char **extra_hosts;         /* --add-host NAME:IP, as given (NULL-terminated) */
  bool host_ipc;              /* --ipc host: the host's IPC namespace and /dev/shm */
  bool host_uts;              /* --uts host: the host's UTS namespace (hostname) */
  struct cocin_port *ports; /* -p */
  size_t n_ports;
  bool detach, interactive, tty, autoremove;
  /* docker's StdinOnce ("stdinOnce"; made with -i and without -d): when
   * it is started, the first attach that asks for input (any without
   * --no-stdin, start -ai) takes the container's stdin, which ends when
   * that attach's input does */
  bool stdin_once;
  int stop_signal;  /* --stop-signal; 0: SIGTERM */
  int stop_timeout; /* --stop-timeout seconds (-1: no limit), if has_stop_timeout (else 10) */
  bool has_stop_timeout;
  bool init;        /* --init: a small init of cocin's is PID 1, the command its child */
  int restart;      /* --restart: enum cocin_restart */
  int restart_max;  /* on-failure:MAX (0: no limit) */
  /* not from the user: this start is the container's own restart, by the
   * restarter of this pid (start.c claims it only if still wanted, and
   * still this restarter's); 0: a start of the user's */
  pid_t restart_by;
  struct cocin_health health; /* --health-*: test NULL: none */
  char **labels;              /* -l KEY=VALUE (a KEY alone: KEY=), in order, one per key */
  char *entrypoint;           /* --entrypoint: the command's first word (NULL: none) */
  bool no_healthcheck;        /* --no-healthcheck (the default here: images carry none) */
  int64_t shm_size;           /* --shm-size, bytes of /dev/shm (0: docker's 64 MiB) */
  char **sysctls;             /* --sysctl KEY=VALUE, one per key, in order given */
  char **group_add;           /* --group-add GROUP: more supplementary groups, as given */
  struct cocin_device *devices; /* --device, as given (recorded) */
  size_t n_devices;
  /* the nodes they are at this start (cocin_devices_resolve: a directory
   * stands for every device below it); not recorded */
  struct cocin_device *device_nodes;
  size_t n_device_nodes;
  struct cocin_device_rule *device_rules; /* the nodes' rules, lent to limits */
  /* --cidfile FILE: where the CLI writes the container's id (not kept;
   * refused where the caller is no CLI: a ctl line's reply has the id) */
  char *cidfile;
  /* --detach-keys: run -it's keys that leave the container running
   * (docker's; len 0: ctrl-p,ctrl-q); not recorded */
  struct cocin_detach_keys detach_keys;
  /* --sig-proxy=false (docker's; run in the foreground without -t): INT,
   * TERM and HUP end the CLI instead of being passed on to the container,
   * which runs on, its output logged (the monitor copies it, a --rm one's
   * too, and goes on logging once the caller is gone); not recorded.
   * sig_proxy_given: the flag was there (create has none) */
  bool no_sig_proxy, sig_proxy_given;
  bool help; /* --help was given: nothing else was parsed */
  /* set before parsing: -e KEY without "=" takes the caller's value (or
   * none), as docker's CLI does; unset (a ctl file) it is refused */
  bool env_from_caller;
  struct cocin_limits limits;
  struct cocin_security security;
};

void cocin_spec_free(struct cocin_spec *s);

/* --restart, docker's policies: when a container that ended by itself
 * (not by stop, kill or rm) runs again, by its monitor */
enum cocin_restart {
  COCIN_RESTART_NO = 0,
  COCIN_RESTART_ON_FAILURE, /* on a non-zero exit code, at most restart_max times (0: no limit) */
  COCIN_RESTART_ALWAYS,
  COCIN_RESTART_UNLESS_STOPPED, /* as always: cocin has no daemon to start containers at boot */
};
/* "no", "on-failure[:MAX]", "always", "unless-stopped"; EINVAL with the
 * message of verb ("run", "update") otherwise */
int cocin_restart_parse(const char *v, int *policy, int *max, const char *verb,
                        cocin_error_t *err);
const char *cocin_restart_name(int policy);

/* One -e word onto *env: "KEY=VALUE" as it is; a bare "KEY" with
 * from_caller takes the caller's value, or adds nothing if it has none;
 * EINVAL otherwise (verb names the command in the message). */
int cocin_env_add(char ***env, const char *word, bool from_caller, const char *verb,
                  cocin_error_t *err);
/* --env-file PATH: its KEY=VALUE lines (and bare KEYs, as -e takes them)
 * into *env at *at, after those of earlier files and before every -e, as
 * docker orders them; *at moves past them.  Blank lines and lines starting
 * with # are skipped; a name with whitespace, a NUL byte, or a file that
 * is no regular file of at most 1 MiB is EINVAL.  Without from_caller (a
 * ctl file, read by cocinfs) the path must be absolute. */
int cocin_env_file_add(char ***env, size_t *at, const char *path, bool from_caller,
                       const char *verb, cocin_error_t *err);

/* Set KEY=VALUE in a NULL-terminated list of them (an environment, labels,
 * sysctls), replacing KEY's where it is, else at the end. */
void cocin_env_set(char ***env, const char *kv);

/* -u USER[:GROUP]: each a name or a number (looked up at the start, in
 * the container's /etc/passwd and /etc/group); EINVAL otherwise. */
int cocin_user_check(const char *v, cocin_error_t *err);
/* --sysctl's network parameters (net.*) only where the network is the
 * container's own: EINVAL with --network host or container:NAME */
int cocin_spec_sysctls_check(const struct cocin_spec *s, cocin_error_t *err);
/* --device's host paths looked at now (at each start: a device may have
 * other numbers after a reboot, a directory other devices): each must be a
 * character or block device, or a directory, which stands for every such
 * device below it (docker's: symbolic links and other files there are
 * passed over).  The nodes go to device_nodes, their rules are lent to
 * spec's limits for the cgroup.  EINVAL/ENOENT naming the path otherwise. */
int cocin_devices_resolve(struct cocin_spec *s, cocin_error_t *err);
/* --group-add GROUP: a name or a number (looked up at the start) */
int cocin_group_check(const char *v, cocin_error_t *err);

#define COCIN_USER_GROUPS_MAX 64
struct cocin_user {
  uid_t uid;
  gid_t gid;
  gid_t groups[COCIN_USER_GROUPS_MAX]; /* supplementary */
  size_t ngroups;
  char home[PATH_MAX];
};
/* Resolve v in the current root's /etc/passwd and /etc/group (docker's
 * and runc's rules); ENOENT for a name that is not there. */
int cocin_user_resolve(const char *v, struct cocin_user *u, cocin_error_t *err);

/* Parse "run [OPTIONS] IMAGE [COMMAND [ARG...]]" words (argv[0] is the first
 * option or the image, not "run").  Syntax errors fail with EINVAL. */
int cocin_spec_parse(struct cocin_spec *s, int argc, char **argv, cocin_error_t *err);
/* The same words for create: its messages begin "create: ", and -d is
 * refused (a created container starts detached). */
int cocin_spec_parse_create(struct cocin_spec *s, int argc, char **argv, cocin_error_t *err);

cJSON *cocin_spec_to_json(const struct cocin_spec *s);
/* A record's stopSignal (0 if none, or not a signal) and stopTimeout
 * (unset if none, or not -1 or more seconds: -2 is never one) */
int cocin_spec_stop_signal(const cJSON *j);
int cocin_spec_stop_timeout(const cJSON *j, int unset);
/* A record's restartPolicy (none: COCIN_RESTART_NO); -1 if it is not one.
 * cocin_restart_to_json: j's restartPolicy made this one (none for no). */
int cocin_spec_restart(const cJSON *j, int *policy, int *max);
void cocin_restart_to_json(cJSON *j, int policy, int max);
/* Whether the policy runs again a container that ended with code, after
 * count restarts (no: never; on-failure: a non-zero code, within max) */
bool cocin_restart_applies(int policy, int max, int code, int64_t count);
int cocin_spec_from_json(const cJSON *j, struct cocin_spec *s, cocin_error_t *err);

/* The environment a process in this container starts with: PATH, HOSTNAME,
 * HOME, TERM (with tty), then -e values (a later K overrides). */
char **cocin_spec_build_env(const struct cocin_spec *s, char *const *extra, bool tty);

/* Usage text for run's options (shared by `cocin run --help`). */
extern const char cocin_run_usage[];

/* Generic option table parser, used by run and by the small verbs. */
/* OPT_NONE: a flag (--x=false: as if not given); OPT_BOOL: one whose
 * default is true, its value "true" or "false" given to the callback
 * (--x, --x=true, --x=false, and -x, -x=false for a short name: docker's
 * --sig-proxy) */
enum cocin_opt_arg { OPT_NONE, OPT_REQUIRED, OPT_BOOL };
struct cocin_opt {
  char short_name; /* 0 if none */
  const char *long_name;
  enum cocin_opt_arg arg;
  int id;
};
/* Parses options from argv[*pos] on, stops at the first non-option word or
 * after "--".  Calls cb(opt, value, data) for each (value NULL for flags
 * without argument); cb returns <0 on error.  Unknown flags and missing
 * values fail with EINVAL naming the verb and the flag. */
int cocin_opts_parse(const struct cocin_opt *table, int argc, char **argv, int *pos,
                     int (*cb)(const struct cocin_opt *opt, const char *value, void *data,
                               cocin_error_t *err),
                     void *data, const char *verb, cocin_error_t *err);
/* The same, with flags allowed after the arguments as well (`rm web -f`,
 * `logs web --tail 5`), as docker's verbs but run and exec read them: on
 * return argv[*pos..] are the arguments, in their order, and before them
 * only flags.  A "--" ends the flags. */
int cocin_opts_parse_mixed(const struct cocin_opt *table, int argc, char **argv, int *pos,
                           int (*cb)(const struct cocin_opt *opt, const char *value, void *data,
                                     cocin_error_t *err),
                           void *data, const char *verb, cocin_error_t *err);

#endif
