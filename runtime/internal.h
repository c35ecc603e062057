/* cocin runtime — private declarations shared by the runtime's files. */
#ifndef COCIN_RUNTIME_INTERNAL_H
#define COCIN_RUNTIME_INTERNAL_H

#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/types.h>

#include "cocin/cgroup.h"
#include "cocin/error.h"
#include "cocin/runtime.h"
#include "cocin/spec.h"

/* Everything the container's init needs, prepared before clone(). */
struct container_args {
  const struct cocin_spec *spec;
  const char *image_rootfs; /* overlay lower */
  const char *upper, *work, *merged;
  char **env;
  int errfd;      /* close-on-exec pipe: failures travel back on it */
  int joinfd;     /* unix socket from the monitor: 'n' and our network
                     namespace (unless netsock gives it, or on the host's
                     network), then 'j' when our cgroup is ready, with the
                     files we write "0" to, to move ourselves in (fds_send) */
  int netsock;    /* unix socket: --network container:NAME's namespace
                     comes on it, or -1 (the monitor's on joinfd, or on
                     the host's network) */
  int stdio[3];   /* become 0, 1, 2 (without a console) */
  int console_sock; /* -1, or: make a pty inside and send its master here */
  bool nodev;       /* no device policy: rootfs and volumes are mounted nodev */
  struct winsize ws;
};

/* One byte and up to FDS_MAX descriptors over a unix socket (SCM_RIGHTS);
 * what names them in errors.  fds_recv: *n is the room in fds, then the
 * count received (received with close-on-exec; none left open on a
 * failure); the other end closing is
 * an error (EIO). */
#define FDS_MAX 16
/* The socket a -dt container's monitor lends its terminal on (cocin
 * attach), in the container's directory: listening, non-blocking. */
#define ATTACH_SOCKET "attach.sock"
int attach_listen(int dirfd, cocin_error_t *err);
/* A new network namespace (its loopback still down), while the caller
 * stays in its own: an fd of it, or -1 with *err. */
int netns_make(cocin_error_t *err);
int fds_send(int sock, char byte, const int *fds, size_t n, const char *what, cocin_error_t *err);
int fds_recv(int sock, char *byte, int *fds, size_t *n, const char *what, cocin_error_t *err);

/* Published ports (proxy.c): the host's listening sockets, each with
 * the container's port it leads to (one on 0.0.0.0 and one on [::] for a
 * port given no address, where the host has IPv6). */
struct cocin_listeners {
  int fd[2 * COCIN_PORTS_MAX];
  uint16_t to[2 * COCIN_PORTS_MAX];
  size_t n;
};
/* Bind and listen on each port of ports, all or none (*l empty then);
 * each port's v6 says whether [::] listens too. */
int proxy_listen(struct cocin_port *ports, size_t n, struct cocin_listeners *l,
                 cocin_error_t *err);
void proxy_listeners_close(struct cocin_listeners *l);
#define cleanup_listeners __attribute__((cleanup(proxy_listeners_close)))
/* Once the container runs: a relay process that joins its network
 * namespace (netns) and connects each client to 127.0.0.1:PORT there.
 * It dies with the caller; its pid once it is in there, or -1 with *err. */
pid_t proxy_start(int netns, const struct cocin_listeners *l, const cpu_set_t *cpus,
                  cocin_error_t *err);

/* The clone() entry of the container's init: never returns on success. */
int container_init(void *arg);

/* Report a failure from a child on errfd as "<errno>\n<message>" and
 * _exit(code).  Used before execve in the container and in exec. */
__attribute__((noreturn)) void child_fail(int errfd, int code, cocin_error_t *err);

/* Read a child's failure report; 0 if the pipe closed with nothing (execve
 * happened), -1 with *err filled otherwise. */
int read_child_error(int fd, cocin_error_t *err);
/* The same when the first nhave bytes were read already. */
int read_child_error_after(int fd, const char *have, size_t nhave, cocin_error_t *err);

/* In the container (after pivot_root): open a pty from its /dev/ptmx, send
 * the master on sock, make the slave the controlling terminal and 0, 1, 2. */
int console_setup(int sock, const struct winsize *ws, cocin_error_t *err);

/* Become user (-u as given; NULL: root without the caller's groups),
 * with groups (--group-add: names or numbers, NULL: none) added to its
 * supplementary groups, keeping capabilities for the security step; HOME
 * in *env becomes the user's home unless one of the given -e lists sets
 * it. */
int cocin_user_enter(const char *user, char *const *groups, char ***env, char *const *given,
                     char *const *given2, cocin_error_t *err);
int cocin_user_switch(const struct cocin_user *u, cocin_error_t *err);


/* execvp with the given environment (PATH is looked up in env). */
int exec_command(char **args, char **env, cocin_error_t *err);
/* pid1.c: run --init.  pid1_block: every signal blocked, from before the
 * init says it is ready (cocin-init takes them from there).  pid1_prepare:
 * cocin-init in a sealed memfd, its fd (close-on-exec); made before the
 * init's limits, user and capabilities apply.  pid1_exec: exec it, with
 * the error pipe errfd kept open for the command's exec errors; returns
 * only if the exec failed. */
void pid1_block(void);
int pid1_prepare(cocin_error_t *err);
int pid1_exec(int fd, char **args, char **env, int errfd, cocin_error_t *err);

/* wait on a --rm container: its waiters' FIFOs in the container's
 * directory, named with this prefix; the monitor writes the exit code
 * into each one there when it takes the container away (under its lock,
 * where waiters make them). */
#define COCIN_WAITER_PREFIX ".wait-"
void waiter_notify(const char *dir, int code);

/* What run hands its monitor (a fork: these are copies). */
struct monitor_args {
  const char *root, *name, *id;
  struct cocin_spec *spec;
  struct container_args *ca;        /* the init's */
  const char *device_policy;        /* recorded in config.json */
  int status_fd, log_fd, console_r; /* to the caller; the log; -dt's pty */
  bool restart; /* start of a container that ran before: its record kept */
  bool keep_status; /* detached, and the caller waits for "EXIT n" (start -a) */
  /* A kept container in the foreground (no -t): its stdout and stderr
   * come on the pipes tee_from[1], [2], copied to the log and to
   * tee_to[1], [2] (the caller's); -1 otherwise. */
  int tee_from[3], tee_to[3];
  struct cocin_listeners *ports; /* -p: listening, handed to the relay */
  int stdin_w; /* -di: the write end of the container's stdin (lent to attach), or -1 */
};
void monitor_main(struct monitor_args *m) __attribute__((noreturn));
/* The signals the monitor ignores (HUP, INT, PIPE; every other one it
 * leaves at its default, its mask empty), set to how: SIG_IGN in the
 * monitor, SIG_DFL in the init, all it has to undo before the command. */
void monitor_ignored_signals(void (*how)(int));

/* run (restart_id NULL), or start again the container of that id, whose
 * directory, layers and record are there (its monitor claims it). */
/* Wait (at most 10 s) for the monitor cfg records to be gone: the mounts
 * of the container's last run go with it. */
void wait_last_monitor(const cJSON *cfg);
/* The container's layers, flock()ed (its work directory): shared by a
 * cp working in a running container's root (which keeps that overlay
 * alive, should the container end), exclusive by whoever mounts them
 * again (a start, a cp of a stopped container).  The fd, or -1. */
int layers_lock(const char *root, const char *name, bool exclusive);
/* fn(ctx) in a forked child, in a mount namespace of its own (private
 * propagation): what it mounts goes with it.  The child keeps of our fds
 * above 2 only the nkeep in keep that fn uses (-1s skipped): a copy that
 * runs long holds no other (in cocinfs: another exec's output pipe, whose
 * reader would see no end meanwhile, or /dev/fuse).  Its error, or EIO if
 * it died without one ("VERB: ..."). */
int in_mount_ns(int (*fn)(void *ctx, cocin_error_t *err), void *ctx, const int *keep,
                size_t nkeep, const char *verb, cocin_error_t *err);
/* What a killed builder (dir/.tmp-*, a minute old: a builder locks its
 * directory a moment after making it) or remover (dir/.rm-*) left there,
 * if nobody holds it: images/, volumes/ */
void sweep_aside(const char *dir);
/* flock(fd, op), again after a signal */
int flock_wait(int fd, int op);
/* dir is still the directory fd holds (a removal renames it away before
 * it deletes it: an image's, a volume's) */
bool still_there(int fd, const char *dir);
/* health.c: --health-cmd's checker, a process of the monitor's that
 * probes the running container every interval and records each result
 * (-1: none could be forked); health_reset: the record's health, as a
 * start leaves it ("starting"; none without a check) */
pid_t health_start(const char *root, const char *name, const char *id,
                   const struct cocin_health *h, pid_t init);
void health_reset(cJSON *cfg, bool has_check);
/* path opened below root as if root were "/" (RESOLVE_IN_ROOT: symlinks,
 * absolute or with "..", stay inside; no magic links), or on the host
 * when root < 0; O_CLOEXEC always */
int open_inside(int root, const char *path, int flags);
/* volume.c: the volumes -v names for a run, made at their first use
 * (filled from the image at their path, as docker fills a new volume)
 * and held (flock shared, which a `volume rm` waits for) until the
 * container is recorded; each mount's source is set.  volumes_undo: a
 * failed run's, after its container is gone: those it made, removed. */
struct volume_holds {
  int *fd;
  char **made; /* names of the volumes this run made */
  size_t n;
};
int volumes_resolve(const char *root, struct cocin_spec *spec, const char *image_rootfs,
                    struct volume_holds *h, cocin_error_t *err);
void volumes_undo(const char *root, struct volume_holds *h);
void volumes_release(struct volume_holds *h);
#define cleanup_volumes __attribute__((cleanup(volumes_release)))
/* The anonymous volumes a record (at cfgpath) names, and their removal:
 * waiting two seconds at most for a volume's lock (one a run holds longer
 * is left, dangling, for volume prune), never one a container's record
 * names. */
char **volumes_anonymous_of(const char *cfgpath);
void volumes_remove_names(const char *root, char *const *names);
/* In a trash entry: its remover was to remove its anonymous volumes too
 * (rm -v, --rm), for the sweep that finishes a killed one's work. */
#define TRASH_VOLUMES_MARK ".volumes"
/* Everything directory sfd holds into directory dfd, and sfd's mode and
 * times on dfd, as cp copies a tree (symlinks as symlinks, never
 * followed; devices and FIFOs made again, as an image keeps them, and
 * sockets left out; the kernel's file systems as empty mount points);
 * archive: owners and set-id bits too. */
int copy_tree(int sfd, int dfd, bool archive, cocin_error_t *err);
/* image.c: build an image in a temporary directory of images/ (build
 * makes TMP/rootfs), then rename it into place; an image of that name
 * is replaced if replace (and no container uses it: EBUSY), else 1
 * (nothing made) says somebody installed that name first. */
int install_image(const char *root, const char *name, const char *source,
                  int (*build)(const char *tmp, const void *data, cocin_error_t *err),
                  const void *data, bool replace, cocin_error_t *err);
/* image.c: -1 (EBUSY, naming the container) if an image of that name
 * exists and a container uses it (commit and import would replace it) */
int image_in_use(const char *root, const char *name, cocin_error_t *err);
/* image.c: run argv (no shell) with stdout to out_fd (-1: /dev/null),
 * no signal blocked, killed if we die; an exit status above max_ok fails
 * with the program's name, status and the first line it wrote on stderr
 * (tar says "This does not look like a tar archive", then that it exits
 * with failure: one line is enough, and the rest is dropped, as is all of
 * it on success); killed by SIGPIPE: EPIPE, its reader went away. */
int spawn_wait(char *const argv[], int out_fd, int max_ok, cocin_error_t *err);
/* The image a container's record names (a copy), or NULL with EIO
 * "VERB: container NAME records no valid image". */
char *recorded_image(const cJSON *cfg, const char *verb, const char *name, cocin_error_t *err);
/* What a build (import, commit) or an rmi killed half way left in
 * images/ (.tmp-*, .rm-*: nobody holds it; a .tmp-* a minute old) goes. */
void image_sweep(const char *root);
/* run.c: EINVAL for a path overlayfs options cannot hold (',' or ':') */
int check_overlay_path(const char *p, cocin_error_t *err);
/* Bind s's volumes into the root filesystem at merged (in the caller's
 * mount namespace), read-only ones read-only, nodev ones nodev; with_tmpfs:
 * its --tmpfs mounts too (nodev: all nodev); shallower places first. */
int mount_volumes_at(const char *merged, const struct cocin_spec *s, bool nodev, bool with_tmpfs,
                     cocin_error_t *err);
int launch(const char *root, struct cocin_spec *spec, const struct cocin_run_io *io,
           const char *restart_id, struct cocin_run_result *res, cocin_error_t *err);
/* start.c, for the monitor of a start: claim the container (exited or
 * stopped becomes created, by this monitor; EALREADY running, EBUSY
 * starting or being removed) and let go of its last run's cgroup; record
 * the init and its planned cgroup; record a failed start as an exit with
 * code (false: not this start's to record any more).  restart_by: the
 * start is --restart's, by the restarter of that pid (start_auto),
 * ECANCELED if a stop, a start or an rm took the restart back (or it is
 * another restarter's now); 0: the user's, which takes back a pending
 * restart and counts restarts from 0 again. */
int start_claim(const char *root, const char *name, const char *id, const char *device_policy,
                pid_t restart_by, cocin_error_t *err);
/* --restart: the restarter's start (as cocin_start; its caller exits) */
int start_auto(const char *root, const char *name, const char *id, cocin_error_t *err);
int start_record_init(const char *root, const char *name, const char *id, pid_t init,
                      const struct cocin_cgroup *plan, cocin_error_t *err);
bool start_failed(const char *root, const char *name, const char *id, int code);

/* remove.c, for the monitor of a --rm container: take it away (its
 * directory into containers/.trash, under its lock: the lock is returned,
 * *trash NULL if the directory went meanwhile, *in_place when there was no
 * room for the trash; *updated, if asked for, the cgroup the record names
 * when an update added to it: the one to remove), then delete what was
 * taken. */
int take_away(const char *root, const char *name, const char *id, bool destroy_recorded,
              bool only_stopped, bool volumes, char **trash, bool *in_place,
              struct cocin_cgroup **updated, cocin_error_t *err);
/* volumes_root: its anonymous volumes go too (--rm, rm -v); NULL: kept */
int delete_taken(char *trash, bool in_place, const struct cocin_cgroup *cg, int lock,
                 const char *volumes_root, cocin_error_t *err);

/* Remove a container's state and cgroup, under its lock (ENOENT if it
 * went meanwhile, or if id is given and the name now belongs to another);
 * volumes: its anonymous volumes too. */
int container_remove(const char *root, const char *name, const char *id,
                     const struct cocin_cgroup *known, bool only_stopped, bool volumes,
                     cocin_error_t *err);
/* cocin_pause for a command's own read (commit), recorded with token
 * (the command's own): a pause the user gives meanwhile takes it over,
 * and the undo then leaves it (EALREADY), as it leaves one another
 * command holds by then */
int pause_held(const char *root, const char *name, const char *id, bool pause,
               const char *token, cocin_error_t *err);
/* rm of a directory a dead run left without config.json: 1 removed, 0
 * none there (or too young to be a leftover), -1 failed. */
int container_remove_leftover(const char *root, const char *name, cocin_error_t *err);

/* Finish the removals of ROOT/trash whose remover died (a monitor killed
 * after it answered run --rm): their cgroups, then their files. */
void cocin_trash_sweep(const char *root);

#endif
