/* cocin — making and managing containers.  No FUSE here. */
#ifndef COCIN_RUNTIME_H
#define COCIN_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/types.h>

#include "error.h"
#include "spec.h"

/* ---- images ------------------------------------------------------------ */
/* The image a user's reference names: NAME, or NAME:latest (docker's
 * default tag); NULL with EINVAL for anything else. */
char *cocin_image_name(const char *ref, cocin_error_t *err);
/* Make sure image `name` exists (busybox is built on first use from the
 * host's busybox-static) and return its rootfs directory. */
int cocin_image_ensure(const char *root, const char *name, char **rootfs,
                       cocin_error_t *err);
int cocin_image_import(const char *root, const char *tarball, const char *ref,
                       cocin_error_t *err);
int cocin_image_list(const char *root, char ***names, cocin_error_t *err);
/* What `images` shows of one: when it was made (epoch seconds, -1 if
 * unknown) and the bytes of its files. */
struct cocin_image_info {
  int64_t created;
  uint64_t size;
};
int cocin_image_info(const char *root, const char *name, struct cocin_image_info *info,
                     cocin_error_t *err);
/* The bytes of the files below path (a container's layer, an image),
 * symlinks never followed; 0 if it cannot be read. */
uint64_t cocin_dir_size(const char *path);
/* cocin_image_ensure, and *hold: an fd holding the image's directory
 * locked shared, so that no rmi removes it (close it once the container
 * that uses it is recorded). */
int cocin_image_hold(const char *root, const char *name, char **rootfs, int *hold,
                     cocin_error_t *err);
/* rmi: remove image ref (NAME or NAME:latest).  EBUSY while a container
 * that may run uses it; without force, while any container does (it could
 * not start again); ENOENT if there is none. */
int cocin_image_remove(const char *root, const char *ref, bool force, cocin_error_t *err);

/* ---- volumes ----------------------------------------------------------- */
/* docker's local volumes: ROOT/volumes/NAME, the files in its _data.  -v
 * NAME:PATH makes one at its first use, filled from the image's files at
 * PATH; -v PATH makes an anonymous one (named by a random id), removed
 * with its container by --rm and rm -v.  A name: 2 to 128 characters of
 * [a-zA-Z0-9][a-zA-Z0-9_.-]. */
/* (cocin_volume_name_check: util.h) */
/* volume create: an empty volume, made if missing (*made: by this call);
 * anonymous: marked so (volume prune's, without -a) */
int cocin_volume_create(const char *root, const char *name, bool anonymous, bool *made,
                        cocin_error_t *err);
int cocin_volume_list(const char *root, char ***names, cocin_error_t *err);
struct cocin_volume_info {
  char *name;
  char *mountpoint; /* its _data */
  char *created;    /* RFC 3339, NULL if unknown */
  bool anonymous;
};
int cocin_volume_info(const char *root, const char *name, struct cocin_volume_info *info,
                      cocin_error_t *err);
void cocin_volume_info_free(struct cocin_volume_info *info);
/* The volumes a container's record mounts (names; anonymous ones only,
 * or all). */
char **cocin_record_volumes(const cJSON *cfg, bool anonymous_only);
/* The containers whose record mounts it, running or not (names). */
int cocin_volume_users(const char *root, const char *name, char ***users, cocin_error_t *err);
/* volume rm: EBUSY while any container uses it (docker's rule: one that
 * does not run could start again), ENOENT if there is none. */
int cocin_volume_remove(const char *root, const char *name, cocin_error_t *err);
/* volume prune: every volume no container uses, anonymous ones only
 * unless all (docker's -a); *removed: their names, *freed: the bytes
 * their files held. */
int cocin_volume_prune(const char *root, bool all, char ***removed, uint64_t *freed,
                       cocin_error_t *err);

/* ---- run --------------------------------------------------------------- */
struct cocin_run_io {
  /* Foreground without -t: fds the container gets as 0,1,2.  Ignored for
   * detached containers, whose output goes to container.log. */
  int stdio[3];
  /* Foreground with -t: a unix socket on which the container sends the
   * master of the pty it opens in its own /dev/pts (cocin_console_recv),
   * and the window size to start with. */
  int console_sock;
  struct winsize ws;
  /* The caller exits soon after (the CLI): the monitor is forked once and
   * the kernel hands it to init then.  A long-lived caller (cocinfs) leaves
   * this false and the monitor is double-forked, so nobody has to reap it. */
  bool caller_exits;
  /* Detached, and yet the caller wants "EXIT n" on res->exit_fd when the
   * container ends (start -a): its output still goes to its log. */
  bool want_exit;
  /* start -ai of a container with -i and no -t: the write end of its
   * stdin in res->stdin_fd, as the container starts (no attach.sock to
   * race its end); its monitor keeps none if it is stdin_once */
  bool want_stdin;
};

/* Receive the pty master sent by a container on a console socket. */
int cocin_console_recv(int sock, int *master, cocin_error_t *err);
/* run -it, its user detaching: the terminal (master, the pty's) handed
 * on exit_fd (run's result, detachable) to the container's monitor,
 * which keeps it from now on as it keeps a -dt container's (logged, lent
 * to attach).  COCIN_DETACHED once it has it; the exit code if the
 * container ended first; COCIN_DETACH_REFUSED (*err says why) when it
 * could not take it: the caller keeps the terminal. */
#define COCIN_DETACHED (-2)
#define COCIN_DETACH_REFUSED (-3)
int cocin_run_detach(int exit_fd, int master, cocin_error_t *err);
/* One line from a container's monitor after its OK: on a run's or a
 * start -a's exit_fd, or an attach's socket.  "EXIT n" when the container
 * has ended; "DETACHED" or "NODETACH why" in answer to a detach (and
 * "EXIT n" may follow a NODETACH: a line is read a byte at a time, so
 * nothing after its newline is taken from the fd). */
struct cocin_monitor_line {
  char buf[200]; /* without the newline */
  size_t n;
  bool done; /* the line (or the end, or all the room) came */
};
/* Read what has come of the line: true once it is done.  For a caller
 * that polls fd: EINTR and EAGAIN return false, and are not the end. */
bool cocin_monitor_line_step(int fd, struct cocin_monitor_line *l);
/* Read until the line is done (waiting for fd), then as
 * cocin_monitor_line_parse. */
int cocin_monitor_line_read(int fd, const char **why, struct cocin_monitor_line *l);
/* The line's meaning: the exit code (>= 0) of "EXIT n"; COCIN_DETACHED;
 * COCIN_DETACH_REFUSED with *why (in l) for "NODETACH why"; -1 for a line
 * not understood, or none (n 0: the monitor has gone). */
int cocin_monitor_line_parse(const struct cocin_monitor_line *l, const char **why);
/* cocin attach: the terminal of a running container started with -dt,
 * lent by its monitor: *master (its pty's master) and *log (its log: what
 * the master gives goes there too while it is lent).  *sock is held
 * while attached: closing it gives the terminal back; when the
 * container ends, "EXIT CODE\n" comes on it.  ENOTTY: no terminal to
 * lend; EBUSY: another attach has it. */
int cocin_attach(const char *root, const char *name, int *sock, int *master, int *log,
                 cocin_error_t *err);
/* cocin attach of a running container run with -di (no terminal): *in,
 * the write end of its stdin, lent by its monitor (a copy to each
 * attacher; closing it does not close the container's stdin).  ENOTTY:
 * none to lend (no -i, a terminal, or not running). */
int cocin_attach_input(const char *root, const char *name, int *in, cocin_error_t *err);

struct cocin_run_result {
  char id[65];
  pid_t pid; /* container init, as seen from the host */
  /* Foreground: an fd that becomes readable with the exit code ("%d\n")
   * when the container exits (the monitor writes it). -1 when detached. */
  int exit_fd;
  /* On failure: 127 / 126 when the command was not found / not executable
   * (docker's codes), 125 for any other failure. */
  int exit_code;
  /* Foreground -t of a kept container: its log, open for appending, for
   * the caller, which holds the pty, to copy the session into (close
   * it); -1 otherwise. */
  int log_fd;
  /* Foreground -t: its monitor takes the terminal when the user detaches
   * (cocin_run_detach) */
  bool detachable;
  /* io->want_stdin: the container's stdin, to write to (close it); -1
   * otherwise */
  int stdin_fd;
};

/* Create and start a container.  Returns when it is running (execve done)
 * or with the error that stopped it (image, command not found, mounts...);
 * on error nothing is left behind.  spec->name is filled if it was empty. */
int cocin_run(const char *root, struct cocin_spec *spec, const struct cocin_run_io *io,
              struct cocin_run_result *res, cocin_error_t *err);

/* docker's cp: SRC to DST, one of them CONTAINER:PATH (a relative PATH is
 * from the container's working directory).  A file, or a directory and
 * all it holds, symlinks as symlinks; docker's rules for where it goes
 * (into DST when DST is a directory; "DIR/." copies what DIR holds).
 * archive (-a): the source's owners, else the copier's; follow (-L): the
 * source's own last symlink is followed.  A container that does not run
 * has its layers mounted meanwhile. */
int cocin_copy(const char *root, const char *src, const char *dst, bool archive, bool follow,
               cocin_error_t *err);

/* docker's rename: container name (or id's, renamed since) is called to
 * from now on.  EEXIST: the name is in use; EBUSY: it is starting or
 * being removed; EINVAL: an invalid name, or its own. */
int cocin_rename(const char *root, const char *name, const char *id, const char *to,
                 cocin_error_t *err);

/* docker's create: the container's record, layers and log, never
 * started ("created"; cocin_start starts it, detached, and rm removes it
 * as an exited one).  On error nothing is left behind. */
int cocin_create(const char *root, struct cocin_spec *spec, char id[65], cocin_error_t *err);

/* ---- lifecycle --------------------------------------------------------- */
/* Each acts on the container found at name, and on that one only, though
 * the name may be removed and taken again while it works: what it found
 * is known by its id.  With id (not NULL) it must be that container from
 * the start (a file opened on it), or the name has none: ENOENT. */

/* A caller that can be interrupted (cocinfs: the writer of a ctl file got
 * a signal) sets this: stop's wait for the container polls it, and fails
 * with EINTR, sending nothing more, once it says so. */
void cocin_set_interrupted(bool (*interrupted)(void));
/* sig (stop -s), or the container's stop signal if 0 (--stop-signal;
 * SIGTERM), wait up to timeout seconds (for ever if -1;
 * COCIN_TIMEOUT_DEFAULT: its --stop-timeout, or 10), then SIGKILL;
 * returns once the monitor recorded the exit.  Stopping an exited
 * container succeeds. */
#define COCIN_TIMEOUT_DEFAULT (-2)
int cocin_stop(const char *root, const char *name, const char *id, int timeout, int sig,
               cocin_error_t *err);
/* Start an exited or stopped container again, as docker's start does:
 * its id, record, layer and log kept, detached (its output appended to
 * its log; with -t a logged pty).  0 when started, 1 if it runs already;
 * EBUSY while another start of it is under way.  A start that fails
 * leaves it exited with run's code (125, 126, 127).  caller_exits: see
 * cocin_run_io. */
int cocin_start(const char *root, const char *name, const char *id, bool caller_exits,
                cocin_error_t *err);
/* cocin_start for start -a: *exit_fd (when started: 0) becomes readable
 * with "EXIT n\n" when this run of it ends (as run's, after a --rm one
 * is removed); its output goes to its log.  1 (and *exit_fd -1) if it
 * runs already.  stdin_fd (not NULL: start -ai): the write end of the
 * stdin of one made with -i and without -t, else -1 (cocin_run_io's
 * want_stdin). */
int cocin_start_attached(const char *root, const char *name, const char *id, int *exit_fd,
                         int *stdin_fd, cocin_error_t *err);
/* Freeze every process of a running container (pause) or thaw them
 * (unpause), as docker's pause does: ESRCH if not running, EALREADY if
 * paused already (not paused), ENOTSUP without a freezer.  stop, and
 * kill with KILL, thaw a paused container after the signal. */
int cocin_pause(const char *root, const char *name, const char *id, bool pause,
                cocin_error_t *err);
/* Send sig to the container's init; ESRCH if not running. */
int cocin_kill(const char *root, const char *name, const char *id, int sig, cocin_error_t *err);
/* Remove: EBUSY while running unless COCIN_RM_FORCE (then kill first);
 * COCIN_RM_VOLUMES: its anonymous volumes too (docker's rm -v). */
enum { COCIN_RM_FORCE = 1, COCIN_RM_VOLUMES = 2 };
int cocin_rm(const char *root, const char *name, const char *id, unsigned flags,
             cocin_error_t *err);
/* Wait until the container has exited; returns its exit code (>= 0).
 * interrupted() (may be NULL) is polled; if it returns true, EINTR. */
int cocin_wait(const char *root, const char *name, const char *id, bool (*interrupted)(void),
               cocin_error_t *err);

/* ---- exec -------------------------------------------------------------- */
struct cocin_exec_opts {
  char **args; /* NULL-terminated */
  char **env;  /* extra -e K=V */
  bool env_from_caller; /* set before parsing: see cocin_spec's */
  char *workdir;
  bool tty;
  int console_sock; /* with tty: where the pty master is sent (see run) */
  struct winsize ws;
  char *user; /* -u as given, NULL: the container's */
  bool detach; /* -d: see cocin_exec_detached */
  const char *id; /* not NULL: the container must be this one (not freed) */
  /* -1, or the read end of a pipe whose write end only the caller holds:
   * when the caller dies, the command, what it started and its process
   * group are killed (cocinfs: its exec files close with it) */
  int lifeline;
};
void cocin_exec_opts_free(struct cocin_exec_opts *o);
/* Parse "exec [OPTIONS] NAME CMD..." words after the verb; *name is set.
 * With container (a container's own file), the words name none: "exec
 * [OPTIONS] CMD...", and *name is container. */
int cocin_exec_parse(struct cocin_exec_opts *o, const char *container, char **name,
                     bool *interactive, int argc, char **argv, cocin_error_t *err);

/* Start argv inside the running container.  stdio[0..2] become its fds.
 * Returns the pid of a child of the caller; wait for it with waitpid(); its
 * exit status is the command's (126 not executable, 127 not found).
 * Errors before the fork (no container, not running) fail here.  Safe to
 * call from a multithreaded process: no thread of the caller calls setns. */
int cocin_exec_start(const char *root, const char *name, const struct cocin_exec_opts *o,
                     const int stdio[3], pid_t *pid, cocin_error_t *err);
/* exec -d: start argv inside the running container with stdio on
 * /dev/null and return once it runs (its execve done), leaving nothing to
 * wait for: a helper outside the caller's session reaps it and ends with
 * it.  When the command itself could not be executed, -1 with *code 127
 * (not found) or 126 (not executable), as the command's status would be;
 * any other failure: -1 with *code 125. */
int cocin_exec_detached(const char *root, const char *name, const struct cocin_exec_opts *o,
                        int *code, cocin_error_t *err);

/* ---- small verbs' argument parsers (shared by the CLI and ctl files) --- */
/* stop and restart [-t SECS] [-s SIGNAL] NAME...: *sig 0 if not given */
int cocin_parse_stop(int argc, char **argv, int *timeout, int *sig, char ***names,
                     cocin_error_t *err);
int cocin_parse_kill(int argc, char **argv, int *sig, char ***names, cocin_error_t *err);
/* rm [-f] [-v] NAME...: *flags, COCIN_RM_* */
int cocin_parse_rm(int argc, char **argv, unsigned *flags, char ***names, cocin_error_t *err);
/* A verb without flags: NAME... (pause, unpause) */
int cocin_parse_names(const char *verb, int argc, char **argv, char ***names, cocin_error_t *err);
int cocin_parse_restart(int argc, char **argv, int *timeout, int *sig, char ***names,
                        cocin_error_t *err);
/* top: the processes of a running (or paused) container as docker top
 * lists them, the host's ps -ef columns (UID PID PPID C STIME TTY TIME
 * CMD) for the pids of its cgroup in its pid namespace or one below it,
 * in *out (free it); ESRCH when it is not running. */
int cocin_top(const char *root, const char *name, char **out, cocin_error_t *err);
#define COCIN_TOP_HEADER "UID          PID    PPID  C STIME TTY          TIME CMD\n"
/* diff: what the container changed in its root filesystem against its
 * image, as docker diff lists it: "A /path" (added), "C /path" (changed),
 * "D /path" (deleted), one a line, sorted, in *out (free it); "" for none.
 * Read from its upper layer, running or not; control bytes in names as
 * '?'.  ENOENT: no such container, or its image is gone. */
int cocin_diff(const char *root, const char *name, char **out, cocin_error_t *err);
/* commit: image ref (NAME or NAME:latest), new, from the container's root
 * filesystem: its image with its changes (not its volumes), owners and
 * modes kept; a running container is paused meanwhile (INT, TERM, HUP
 * and QUIT held off until it is thawed), and its lock held (no stop, rm
 * or start).  With id, it must be that container (ENOENT).  EEXIST: the
 * image is there already; EBUSY: it is starting. */
int cocin_commit(const char *root, const char *name, const char *id, const char *ref,
                 cocin_error_t *err);
/* export: the container's root filesystem (what commit reads) as a tar
 * stream on out, written by the host's tar (numeric owners, extended
 * attributes); a running container is paused meanwhile, as for commit. */
int cocin_export(const char *root, const char *name, const char *id, int out, cocin_error_t *err);
/* docker update: given's limits (what it leaves 0 or NULL stays) become
 * the container's.  A running (or paused) one's cgroup changes at once (a
 * controller it was made without is added, see cocin_cgroup_update); any
 * other keeps them for its next start.  EBUSY while it starts; the
 * kernel's refusal (memory below what it uses: EBUSY) leaves the record's
 * limits as they were. */
/* restart: a --restart policy to keep instead (enum cocin_restart, with
 * restart_max), -1 to leave it; "no" also takes back a pending restart;
 * EINVAL for a --rm container. */
int cocin_update(const char *root, const char *name, const char *id,
                 const struct cocin_limits *given, int restart, int restart_max,
                 cocin_error_t *err);
/* update [OPTIONS] NAME...: run's limit flags and --restart (at least
 * one); *restart -1 if not given */
int cocin_parse_update(int argc, char **argv, struct cocin_limits *given, int *restart,
                       int *restart_max, char ***names, cocin_error_t *err);
/* commit CONTAINER IMAGE (no flags): the container as given, and the
 * image's name (IMAGE:latest is IMAGE); EINVAL with the message. */
int cocin_parse_commit(int argc, char **argv, char **name, char **image, cocin_error_t *err);
/* restart: stop (as cocin_stop, timeout, sig), then start */
int cocin_restart(const char *root, const char *name, const char *id, int timeout, int sig,
                  bool caller_exits, cocin_error_t *err);

#endif
