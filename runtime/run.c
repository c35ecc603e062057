/* cocin — run (and start, start.c): reserve the name, make the layers'
 * directories, fork the monitor that clones the container's init
 * (monitor.c), and read its answer.
 *
 *   caller ──fork──> (intermediate, setsid) ──fork──> monitor ──clone──> init
 *
 * The intermediate exits at once so the monitor is nobody's child: it
 * survives the CLI or cocinfs exiting.  The monitor tells the caller over
 * `status` pipe: "OK <pid>\n" once execve happened, or "ERR <errno>\n<msg>"
 * (then it has removed everything); in the foreground also "EXIT <code>\n". */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/security.h"
#include "cocin/state.h"
#include "cocin/util.h"
#include "internal.h"


static int name_in_use(const char *name, cocin_error_t *err)
{
  return cocin_fail(err, EEXIST, "the container name \"%s\" is already in use (remove it: cocin rm %s)",
                    name, name);
}

/* A name taken already, looked at before the volumes are resolved (an
 * empty named volume is filled from the image then): a run refused for
 * it (docker's first check too) fills none.  reserve_name decides. */
static int name_free(const char *root, const struct cocin_spec *spec, cocin_error_t *err)
{
  if (spec->name == NULL)
    return 0;
  cleanup_free char *cdir = cocin_container_dir(root, spec->name);
  struct stat st;
  return lstat(cdir, &st) == 0 ? name_in_use(spec->name, err) : 0;
}

/* Make the container's directory: the name is ours.  *reserved: an fd of
 * it, to know it later for the one we made. */
static int reserve_name(const char *root, struct cocin_spec *spec, const char *id, int *reserved,
                        cocin_error_t *err)
{
  if (spec->name == NULL) {
    spec->name = xasprintf("%.12s", id);
    /* an id-named container cannot collide in practice; fall through */
  }
  cleanup_free char *cdir = cocin_container_dir(root, spec->name);
  int r = mkdir(cdir, 0700);
  if (r < 0 && errno == ENOENT) { /* a new root: its containers/ first */
    cleanup_free char *dir = xasprintf("%s/containers", root);
    if (mkdir_p(dir, 0700, err) < 0)
      return -1;
    r = mkdir(cdir, 0700);
  }
  if (r < 0) {
    if (errno == EEXIST)
      return name_in_use(spec->name, err);
    return cocin_fail_errno(err, "mkdir %s", cdir);
  }
  /* (without it, a monitor that dies unanswered leaves the directory) */
  *reserved = open(cdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (*reserved < 0) {
    int e = errno;
    rmdir(cdir);
    errno = e;
    return cocin_fail_errno(err, "open %s", cdir);
  }
  return 0;
}

static int make_layers(const char *upper, const char *work, cocin_error_t *err)
{
  /* the upper layer's directory is the root's mode inside: 0755 whatever
   * the caller's umask (077 would lock every user but root out of /) */
  if (mkdir(upper, 0755) < 0 || chmod(upper, 0755) < 0 || mkdir(work, 0700) < 0)
    return cocin_fail_errno(err, "make the container's layers");
  return 0;
}

/* The caller's remove_failed, when the monitor died before it answered
 * (or answered a failure: the reserved directory goes): by the record,
 * if the monitor wrote one, or else the directory, if it is still the one
 * reserved (an fd of it held since: its inode cannot have been reused by
 * another run's). */
static void remove_unstarted(const char *root, const char *name, const char *id, int reserved)
{
  cleanup_free char *dir = cocin_container_dir(root, name);
  cleanup_free char *cfg = cocin_container_file(root, name, "config.json");
  struct stat held, now;
  if (reserved < 0 || fstat(reserved, &held) < 0 || stat(dir, &now) < 0 ||
      held.st_dev != now.st_dev || held.st_ino != now.st_ino)
    return;
  if (access(cfg, F_OK) == 0)
    container_remove(root, name, id, NULL, false, false, NULL); /* (volumes_undo's) */
  else
    rm_rf(dir, NULL);
}

/* Overlay options are comma separated and ':' separates lower layers. */
int check_overlay_path(const char *p, cocin_error_t *err)
{
  if (strpbrk(p, ",:"))
    return cocin_fail(err, EINVAL, "path %s contains ',' or ':' which overlayfs cannot take", p);
  return 0;
}

/* --network container:NAME: NAME's record (*cfg), refused when NAME is on
 * the host's network (docker's rule).  NAME becomes its id in spec, as
 * docker records it: a start joins that container again, never a later
 * one that took its name.  *given: NAME as given, for messages. */
static int network_target(const char *root, struct cocin_spec *spec, cJSON **cfg, char **given,
                          cocin_error_t *err)
{
  *cfg = NULL;
  *given = xstrdup(spec->net_container);
  cleanup_free char *name = cocin_state_resolve(root, *given, err);
  if (name == NULL || cocin_state_load(root, name, cfg, err) < 0)
    return cocin_error_wrap(err, "--network container:%s", *given);
  const cJSON *net = cJSON_GetObjectItemCaseSensitive(*cfg, "network");
  if (cJSON_IsString(net) && !strcmp(net->valuestring, "host")) {
    cJSON_Delete(*cfg);
    *cfg = NULL;
    return cocin_fail(err, EINVAL, "--network container:%s: it is on the host's network: use "
                      "--network host", *given);
  }
  const char *id = cj_str(*cfg, "id");
  if (id && cocin_name_check(id, NULL) == 0) {
    free(spec->net_container);
    spec->net_container = xstrdup(id);
  }
  return 0;
}

/* --network container:NAME: an fd of that running container's network
 * namespace; its hostname becomes ours (docker's rule). */
static int join_network_of(const char *root, struct cocin_spec *spec, cocin_error_t *err)
{
  cJSON *cfg = NULL;
  cleanup_free char *other = NULL;
  if (network_target(root, spec, &cfg, &other, err) < 0)
    return -1;
  int fd = -1;
  const char *st = cj_str(cfg, "status"), *host = cj_str(cfg, "hostname");
  cleanup_close int pidfd = -1;
  if (st == NULL || strcmp(st, "running") ||
      (pidfd = pidfd_open_checked((pid_t)cj_int(cfg, "pid", 0),
                                  (uint64_t)cj_int(cfg, "pidStartTime", 0))) < 0) {
    cocin_fail(err, ESRCH, "--network container:%s: it is not running", other);
  } else {
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)cj_int(cfg, "pid", 0));
    fd = open(path, O_RDONLY | O_CLOEXEC);
    /* still the same process (the pidfd holds it): then that is its network */
    if (fd >= 0 && sys_pidfd_send_signal(pidfd, 0) < 0) {
      close(fd);
      fd = -1;
      errno = ESRCH;
    }
    if (fd < 0)
      cocin_fail_errno(err, "--network container:%s: its network namespace", other);
    else if (host) {
      free(spec->hostname);
      spec->hostname = xstrdup(host);
    }
  }
  cJSON_Delete(cfg);
  return fd;
}

/* No device policy on this host (*nodev), decided from the limits and a
 * look at its hierarchies; without one, --device's permissions cannot be
 * kept: only a device given with all of them may come (read, write and
 * mknod).  create asks too: a container it made would never start. */
static int devices_decide(const struct cocin_spec *spec, const char *verb, bool *nodev,
                          cocin_error_t *err)
{
  *nodev = !spec->security.privileged && !cocin_cgroup_devices_expected(&spec->limits);
  for (size_t i = 0; *nodev && i < spec->n_devices; i++)
    if (strlen(spec->devices[i].rule.access) < 3)
      return cocin_fail(err, EINVAL,
                        "%s: --device %s:%s: this host has no devices cgroup to keep the "
                        "permissions (give rwm, or none)",
                        verb, spec->devices[i].host, spec->devices[i].rule.access);
  return 0;
}

/* the overlay's options name three paths, and the kernel reads one page
 * of them: a longer set would be cut, and the mount fail as if a
 * directory were missing */
static int overlay_fits(const char *root, const struct cocin_spec *spec, const char *image_rootfs,
                        const char *verb, cocin_error_t *err)
{
  size_t cdir = strlen(root) + sizeof("/containers/") + (spec->name ? strlen(spec->name) : 12);
  size_t opts = strlen(image_rootfs) + 2 * cdir + sizeof("lowerdir=,upperdir=/upper,workdir=/work,volatile");
  if (opts >= 4096)
    return cocin_fail(err, ENAMETOOLONG,
                      "%s: the state root's path is too long for overlayfs (its options "
                      "would take %zu bytes; the kernel reads 4095): choose a shorter --root",
                      verb, opts);
  return 0;
}

int launch(const char *root, struct cocin_spec *spec, const struct cocin_run_io *io,
           const char *restart_id, struct cocin_run_result *res, cocin_error_t *err)
{
  bool restart = restart_id != NULL;
  const char *verb = restart ? "start" : "run"; /* the messages' */
  memset(res, 0, sizeof(*res));
  res->exit_fd = res->log_fd = res->stdin_fd = -1;
  if (spec->args == NULL || spec->args[0] == NULL || spec->args[0][0] == '\0')
    return cocin_fail(err, EINVAL, "%s: no command given", verb);
  /* (--device's nodes as they are now: for the cgroup and the init) */
  if (check_overlay_path(root, err) < 0 || cocin_limits_check(&spec->limits, err) < 0 ||
      cocin_devices_resolve(spec, err) < 0)
    return cocin_error_wrap(err, "%s", verb);
  TRACE("run");
  cleanup_close int joined_net = -1; /* --network container:NAME's */
  /* No thread of ours makes the network namespace and the overlay beside
   * us: the monitor makes the network namespace (after the clone, while
   * the init mounts its root) and the init mounts its overlay.  Measured on a 2-CPU VM (hyperfine, alternating
   * series) against a thread that did both while we forked: back to back
   * a start took 20 to 26% less without it (4.0 against 5.0 ms, 4.4
   * against 6.0 ms: its creation, its exit and the shootdowns of a shared
   * address space cost more than its parallel work saves when both CPUs
   * are busy), one at a time 7% more (5.6 against 5.2 ms). */
  /* No device policy (cgroup v2 without the BPF program, or no v1 devices
   * hierarchy): nothing may make a device node, and none from the image or
   * a volume may be opened; the container's /dev is cocin's own tmpfs.
   * Decided now, from the limits and a look at the host's hierarchies,
   * for the overlay and the init mount with it; the monitor plans and
   * makes the cgroup later.
   * Before anything of the container's is made: a --device it refuses
   * leaves nothing. */
  bool nodev = false;
  if (devices_decide(spec, verb, &nodev, err) < 0)
    return -1;
  cleanup_free char *image_rootfs = NULL;
  /* held until we return, when the container is recorded (rmi) */
  cleanup_close int image_hold = -1;
  if (cocin_image_hold(root, spec->image, &image_rootfs, &image_hold, err) < 0)
    return cocin_error_wrap(err, "%s", verb);
  TRACE("image");
  /* --network container:NAME: that container's namespace, and its name */
  if (spec->net_container && (joined_net = join_network_of(root, spec, err)) < 0)
    return cocin_error_wrap(err, "%s", verb);
  if (overlay_fits(root, spec, image_rootfs, verb, err) < 0)
    return -1;
  /* -v's volumes, made at their first use: held until we return, when
   * the container is recorded (volume rm).  Before the name is reserved:
   * a fill from the image may take a while, and a reserved directory
   * without a record for long looks like a dead run's (rm takes it). */
  cleanup_volumes struct volume_holds vols = {0};
  if (!restart && name_free(root, spec, err) < 0)
    return -1;
  if (!restart && volumes_resolve(root, spec, image_rootfs, &vols, err) < 0) {
    volumes_undo(root, &vols);
    return cocin_error_wrap(err, "%s", verb);
  }
  cleanup_close int reserved = -1; /* the directory reserve_name made */
  if (restart) {
    snprintf(res->id, sizeof(res->id), "%s", restart_id);
  } else if (cocin_random_id(res->id, err) < 0 ||
             reserve_name(root, spec, res->id, &reserved, err) < 0) {
    volumes_undo(root, &vols);
    return -1;
  }
  TRACE("reserved");

  /* From here on a failure must remove the container directory. */
  cleanup_free char *upper = cocin_container_file(root, spec->name, "upper");
  cleanup_free char *work = cocin_container_file(root, spec->name, "work");
  /* The overlay is mounted on the container's own directory, in the
   * container's mount namespace only: no mountpoint directory to make and
   * remove (the host still sees config.json, upper and work there). */
  cleanup_free char *merged = cocin_container_dir(root, spec->name);
  cleanup_free char *logpath = cocin_container_file(root, spec->name, "container.log");
  /* -dt: the monitor receives the container's pty on console_r */
  cleanup_close int log_fd = -1, console_r = -1, console_w = -1, null_fd = -1;
  cleanup_close int status_r = -1, status_w = -1, net_theirs = -1, net_mine = -1;
  cleanup_close int stdin_r = -1, stdin_w = -1; /* -di: the container's stdin */
  /* tee: the pipes' ends, the monitor's (read) and the init's (write) */
  cleanup_close int tee_r1 = -1, tee_r2 = -1, tee_w1 = -1, tee_w2 = -1;
  int tee_to[3] = {-1, -1, -1};
  cleanup_listeners struct cocin_listeners ports = {.n = 0};
  cleanup_strv char **env = NULL;
  int pipefd[2];

  /* A run's layers are made here; the init mounts the overlay.  A
   * start's are there, its last run's, and are the container's only once
   * its monitor has claimed it (start.c): another start may be about to,
   * so its init mounts them after the claim (a second overlay on one
   * work directory would empty the first's). */
  if (!restart && make_layers(upper, work, err) < 0) {
    cocin_error_wrap(err, "%s", verb);
    goto fail;
  }
  TRACE("layers");
  /* The log exists before config.json does: whoever sees the container
   * (cocinfs links container.log to it) sees its log too.  A kept
   * container in the foreground has one as well: without -t the monitor
   * copies its output there and to the caller (tee_output); with -t the
   * caller, which holds the pty, copies what it prints there (this fd,
   * res->log_fd: not opened again by name, which might be another's by
   * then).  --sig-proxy=false: a --rm one's is copied too (its caller
   * may go first, the container running on, logged meanwhile). */
  bool tee = !spec->detach && !spec->tty && (!spec->autoremove || spec->no_sig_proxy);
  if (spec->detach || !spec->autoremove || tee) {
    log_fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (log_fd < 0) {
      cocin_fail_errno(err, "%s: open %s", verb, logpath);
      goto fail;
    }
  }
  TRACE("devices-decided");
  if (nodev && cocin_security_set(&spec->security, "cap-drop", "MKNOD", err) < 0)
    goto fail;
  const char *policy = spec->security.privileged ? "none (privileged)"
                       : nodev ? "no device cgroup: MKNOD dropped, root and volumes nodev"
                               : "cgroup";
  {
    cleanup_free char *cache = xasprintf("%s/cache", root);
    if (cocin_security_prepare(&spec->security, cache, err) < 0) {
      cocin_error_wrap(err, "%s", verb);
      goto fail;
    }
  }

  struct container_args ca = {
      .spec = spec,
      .image_rootfs = image_rootfs,
      .upper = upper,
      .work = work,
      .merged = merged,
      .errfd = -1,
      .joinfd = -1,
      .netsock = -1,
      .console_sock = -1,
      .nodev = nodev,
  };
  env = cocin_spec_build_env(spec, NULL, spec->tty);
  ca.env = env;
  if (spec->detach) {
    null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null_fd < 0) {
      cocin_fail_errno(err, "%s: open /dev/null", verb);
      goto fail;
    }
    ca.stdio[0] = null_fd;
    ca.stdio[1] = ca.stdio[2] = spec->tty ? null_fd : log_fd; /* -dt: the monitor logs */
    if (spec->interactive && !spec->tty) {
      /* -di: stdin a pipe, whose write end the monitor keeps open (the
       * container never reads an end) and lends to each attach; a
       * StdinOnce one's (create -i) to the first only, or start -ai
       * takes it at once (want_stdin) */
      int sp[2];
      if (pipe2(sp, O_CLOEXEC) < 0) {
        cocin_fail_errno(err, "%s: pipe", verb);
        goto fail;
      }
      stdin_r = sp[0];
      stdin_w = sp[1];
      ca.stdio[0] = stdin_r;
      close(null_fd); /* (nothing of it is /dev/null then) */
      null_fd = -1;
    }
    if (spec->tty) {
      int sv[2];
      if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        cocin_fail_errno(err, "%s: socketpair", verb);
        goto fail;
      }
      console_r = sv[0];
      console_w = sv[1];
      ca.console_sock = console_w;
      ca.ws = (struct winsize){.ws_row = 24, .ws_col = 80};
    }
  } else {
    for (int i = 0; i < 3; i++)
      ca.stdio[i] = io ? io->stdio[i] : i;
    if (tee) {
      int p1[2], p2[2];
      if (pipe2(p1, O_CLOEXEC) < 0) {
        cocin_fail_errno(err, "%s: pipe", verb);
        goto fail;
      }
      tee_r1 = p1[0], tee_w1 = p1[1];
      tee_to[1] = ca.stdio[1];
      /* stdout and stderr one file (2>&1): one pipe, so their order holds */
      struct stat o, e;
      bool one = fstat(ca.stdio[1], &o) == 0 && fstat(ca.stdio[2], &e) == 0 &&
                 o.st_dev == e.st_dev && o.st_ino == e.st_ino;
      if (!one) {
        if (pipe2(p2, O_CLOEXEC) < 0) {
          cocin_fail_errno(err, "%s: pipe", verb);
          goto fail;
        }
        tee_r2 = p2[0], tee_w2 = p2[1];
        tee_to[2] = ca.stdio[2];
      }
      ca.stdio[1] = tee_w1;
      ca.stdio[2] = one ? tee_w1 : tee_w2;
    }
    if (spec->tty) {
      if (io == NULL || io->console_sock < 0) {
        cocin_fail(err, EINVAL, "%s: -t needs a console socket", verb);
        goto fail;
      }
      ca.console_sock = io->console_sock;
      ca.ws = io->ws;
    }
  }

  /* run -it: a socket, on which the caller hands the terminal to the
   * monitor when its user detaches (cocin_run_detach) */
  if (!spec->detach && spec->tty ? socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pipefd) < 0
                                 : pipe2(pipefd, O_CLOEXEC) < 0) {
    cocin_fail_errno(err, "%s: pipe", verb);
    goto fail;
  }
  status_r = pipefd[0];
  status_w = pipefd[1];

  /* --network container:NAME: the init gets that namespace on this
   * socket (opened by us, who checked the name) */
  if (joined_net >= 0) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
      cocin_fail_errno(err, "%s: socketpair", verb);
      goto fail;
    }
    ca.netsock = net_theirs = sv[0];
    net_mine = sv[1];
  }

  /* -p: the host's ports, taken now (one in use fails the run here);
   * the monitor hands them to the relay once the container runs */
  if (spec->n_ports && proxy_listen(spec->ports, spec->n_ports, &ports, err) < 0) {
    cocin_error_wrap(err, "%s", verb);
    goto fail;
  }

  TRACE("prepared");
  pid_t mid = fork();
  if (mid < 0) {
    cocin_fail_errno(err, "%s: fork", verb);
    goto fail;
  }
  if (mid == 0) {
    setsid();
    if (!(io && io->caller_exits)) { /* a long-lived caller never reaps it */
      pid_t mon = fork();
      if (mon < 0) /* (its reason, EAGAIN at a pids limit, not "died") */
        dprintf(status_w, "ERR %d 125\nfork the monitor: %s", errno, strerror(errno));
      if (mon != 0)
        _exit(mon < 0 ? 1 : 0);
    }
    /* the monitor: keep only what it needs (never a /dev/fuse fd) */
    for (int i = 0; i < 3; i++) {
      if (ca.stdio[i] >= 0 && ca.stdio[i] <= 2) /* foreground: the caller's stdio */
        ca.stdio[i] = fcntl(ca.stdio[i], F_DUPFD_CLOEXEC, 3);
      if (tee_to[i] >= 0 && tee_to[i] <= 2)
        tee_to[i] = fcntl(tee_to[i], F_DUPFD_CLOEXEC, 3);
    }
    /* start -ai of a stdin-once container: its caller's alone */
    if (io && io->want_stdin && spec->stdin_once)
      stdin_w = -1; /* (close_fds_except closes it) */
    enum { NFIXED = 14 }; /* the fds listed first; the listeners follow */
    int cand[NFIXED + 2 * COCIN_PORTS_MAX] = {
        status_w,    log_fd,     console_r, ca.console_sock, null_fd,   ca.stdio[0], ca.stdio[1],
        ca.stdio[2], ca.netsock, tee_r1,    tee_r2,          tee_to[1], tee_to[2],   stdin_w};
    _Static_assert(NFIXED + 2 * COCIN_PORTS_MAX <= CLOSE_FDS_KEEP_MAX, "close_fds_except's room");
    for (size_t i = 0; i < ports.n; i++)
      cand[NFIXED + i] = ports.fd[i];
    close_fds_except(3, cand, NFIXED + ports.n);
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      dup2(devnull, 0);
      dup2(devnull, 1);
      dup2(devnull, 2);
      if (devnull > 2)
        close(devnull);
    }
    TRACE("monitor");
    struct monitor_args m = {root,
                             spec->name,
                             res->id,
                             spec,
                             &ca,
                             policy,
                             status_w,
                             log_fd,
                             console_r,
                             restart,
                             io && io->want_exit,
                             {-1, tee_r1, tee_r2},
                             {-1, tee_to[1], tee_to[2]},
                             &ports,
                             stdin_w};
    monitor_main(&m);
  }
  TRACE("forked");
  /* What only the monitor and the init use: a copy kept here would keep
   * the monitor from seeing the init's end of it close. */
  /* (the log stays ours for a kept -t session in the foreground: we copy
   * what the pty prints into it) */
  bool tty_log = !spec->detach && spec->tty && !spec->autoremove;
  /* (start -ai: the container's stdin ours to write, when it runs) */
  bool keep_stdin = io && io->want_stdin;
  int *mine[] = {&status_w, &console_w, &console_r, tty_log ? &null_fd : &log_fd, &null_fd,
                 &net_theirs, &tee_r1, &tee_r2, &tee_w1, &tee_w2, &stdin_r,
                 keep_stdin ? &null_fd : &stdin_w};
  for (size_t i = 0; i < sizeof(mine) / sizeof(mine[0]); i++)
    if (*mine[i] >= 0) {
      close(*mine[i]);
      *mine[i] = -1;
    }
  proxy_listeners_close(&ports); /* the monitor's now */
  /* the joined network namespace, to the init (which waits for it
   * first); if it cannot go, the init fails for want of it */
  if (net_mine >= 0) {
    (void)fds_send(net_mine, 'n', &joined_net, 1, "the network namespace", NULL);
    close(net_mine);
    net_mine = -1;
    close(joined_net);
    joined_net = -1;
  }
  TRACE("net-sent");
  while (!(io && io->caller_exits) && waitpid(mid, NULL, 0) < 0 && errno == EINTR)
    ;

  /* The first line, a byte at a time: in the foreground "EXIT n" may
   * follow at once and belongs to whoever reads exit_fd. */
  char buf[4200];
  size_t n = 0;
  while (n < sizeof(buf) - 1) {
    ssize_t r = read(status_r, buf + n, 1);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    if (buf[n++] == '\n' && !strncmp(buf, "OK ", 3))
      break;
  }
  buf[n] = '\0';
  if (!strncmp(buf, "OK ", 3)) {
    TRACE("caller-got-OK");
    res->pid = (pid_t)atoi(buf + 3);
    res->detachable = strstr(buf + 3, " d\n") != NULL;
    if (!spec->detach || (io && io->want_exit))
      res->exit_fd = steal_fd(status_r);
    if (tty_log)
      res->log_fd = steal_fd(log_fd);
    if (keep_stdin)
      res->stdin_fd = steal_fd(stdin_w);
    return 0;
  }
  if (!strncmp(buf, "ERR ", 4)) {
    char *nl = strchr(buf, '\n');
    char *code = strchr(buf + 4, ' ');
    res->exit_code = code ? atoi(code + 1) : 125;
    if (res->exit_code != 126 && res->exit_code != 127)
      res->exit_code = 125;
    /* The monitor removed the container before it answered; what is
     * left of it (the reserved directory) goes here. */
    if (!restart)
      remove_unstarted(root, spec->name, res->id, reserved);
    volumes_undo(root, &vols);
    return cocin_fail(err, atoi(buf + 4), "%s: %s", verb, nl ? nl + 1 : "failed");
  }
  cocin_fail(err, EIO, "%s: the monitor died before the container started", verb);
  if (!restart) /* a start's record: a later look finds its creator gone (mark_lost) */
    remove_unstarted(root, spec->name, res->id, reserved);
  volumes_undo(root, &vols);
  return -1;

fail:
  if (!restart) {
    cleanup_free char *dir = cocin_container_dir(root, spec->name);
    rm_rf(dir, NULL);
  }
  volumes_undo(root, &vols);
  return -1;
}

int cocin_run(const char *root, struct cocin_spec *spec, const struct cocin_run_io *io,
              struct cocin_run_result *res, cocin_error_t *err)
{
  return launch(root, spec, io, NULL, res, err);
}


int cocin_create(const char *root, struct cocin_spec *spec, char id[65], cocin_error_t *err)
{
  if (spec->args == NULL || spec->args[0] == NULL || spec->args[0][0] == '\0')
    return cocin_fail(err, EINVAL, "create: no command given");
  if (check_overlay_path(root, err) < 0 || cocin_limits_check(&spec->limits, err) < 0)
    return cocin_error_wrap(err, "create");
  bool nodev;
  if (devices_decide(spec, "create", &nodev, err) < 0)
    return -1;
  cleanup_free char *image_rootfs = NULL;
  /* held until the record is written (rmi) */
  cleanup_close int image_hold = -1;
  if (cocin_image_hold(root, spec->image, &image_rootfs, &image_hold, err) < 0)
    return cocin_error_wrap(err, "create");
  if (spec->net_container) { /* NAME need exist only; it is joined at the start */
    cJSON *other = NULL;
    cleanup_free char *given = NULL;
    if (network_target(root, spec, &other, &given, err) < 0)
      return cocin_error_wrap(err, "create");
    cJSON_Delete(other);
  }
  if (overlay_fits(root, spec, image_rootfs, "create", err) < 0)
    return -1;
  cleanup_volumes struct volume_holds vols = {0}; /* held until it is recorded */
  if (name_free(root, spec, err) < 0)
    return -1;
  if (volumes_resolve(root, spec, image_rootfs, &vols, err) < 0) {
    volumes_undo(root, &vols);
    return cocin_error_wrap(err, "create");
  }
  cleanup_close int reserved = -1;
  if (cocin_random_id(id, err) < 0 || reserve_name(root, spec, id, &reserved, err) < 0) {
    volumes_undo(root, &vols);
    return -1;
  }
  /* from here on a failure removes the directory (nobody else can have:
   * without a record, rm finds no container) */
  cleanup_free char *dir = cocin_container_dir(root, spec->name);
  cleanup_free char *upper = cocin_container_file(root, spec->name, "upper");
  cleanup_free char *work = cocin_container_file(root, spec->name, "work");
  cleanup_free char *logpath = cocin_container_file(root, spec->name, "container.log");
  cleanup_close int log_fd = -1;
  if (make_layers(upper, work, err) < 0 ||
      ((log_fd = open(logpath, O_WRONLY | O_CREAT | O_CLOEXEC, 0640)) < 0 &&
       cocin_fail_errno(err, "open %s", logpath) < 0)) {
    rm_rf(dir, NULL);
    volumes_undo(root, &vols);
    return cocin_error_wrap(err, "create");
  }
  /* never started: "created" with no creator (state.c), kept across a
   * crash as any container (fsync'ed) */
  cJSON *cfg = cocin_spec_to_json(spec);
  cleanup_free char *now = cocin_time_now();
  cj_set_str(cfg, "id", id);
  cj_set_str(cfg, "createTime", now);
  cj_set_str(cfg, "status", "created");
  int r = cocin_state_save_flags(root, spec->name, cfg, true, err);
  cJSON_Delete(cfg);
  if (r < 0) {
    rm_rf(dir, NULL);
    volumes_undo(root, &vols);
    return cocin_error_wrap(err, "create");
  }
  return 0;
}
