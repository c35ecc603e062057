/* cocinfs — private declarations of the FUSE daemon.
 *
 *   main.c   options, the dead-mount cleanup, mount and the loop
 *   tree.c   paths, getattr, readdir, rmdir and the fuse_operations table
 *   files.c  the per-container file table and its generated files
 *   ctl.c    control files: lines in, commands run, replies out
 *   cmd.c    the ctl grammar: verb tables, parse, run (no FUSE: fuzzable)
 *   line.c   line accumulation for control files (no FUSE: fuzzable)
 *   exec.c   the exec transaction file
 *
 * The daemon keeps no container state: every operation reads the state
 * store.  The only state is per open file (struct fs_handle in fi->fh). */
#ifndef COCINFS_H
#define COCINFS_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "cocin/error.h"
#include "cocin/runtime.h"
#include "cocin/spec.h"

/* ---- line accumulation (line.c) -------------------------------------- */
#define FS_LINE_MAX (64 * 1024)
/* Threads serving requests at the most (libfuse's default is 10), and how
 * many of them may block at once (tree.c) */
#define FS_MAX_THREADS 64
#define FS_MAX_BLOCKING (FS_MAX_THREADS - 16)

struct fs_linebuf {
  char *buf;
  size_t len, cap;
  bool discarding; /* a line was too long: drop bytes up to the next '\n' */
};

/* Called for each complete line (without its '\n'); a negative return
 * stops the feed and is returned by fs_line_feed. */
typedef int (*fs_line_fn)(const char *line, size_t len, void *data, cocin_error_t *err);

/* Feed bytes; run fn on every complete line.  Returns 0, or -1 with *err
 * (EINVAL "line too long", or what fn failed with).  On failure the rest
 * of this chunk is dropped and nothing stays pending. */
int fs_line_feed(struct fs_linebuf *lb, const char *data, size_t len, fs_line_fn fn, void *fn_data,
                 cocin_error_t *err);
/* Take the pending partial line (NULL if none); the buffer is emptied. */
char *fs_line_take(struct fs_linebuf *lb, size_t *len);
void fs_line_free(struct fs_linebuf *lb);

/* ---- commands (cmd.c) -------------------------------------------------- */
enum fs_scope {
  FS_SCOPE_TOP,       /* /ctl: run, stop, kill, rm */
  FS_SCOPE_CONTAINER, /* /<name>/ctl: stop, kill, rm of that container */
};

struct fs_verb;

struct fs_cmd {
  const struct fs_verb *verb;
  struct cocin_spec spec; /* run; update: its limits */
  char **names;           /* stop, kill, rm */
  int timeout;            /* stop */
  int sig;                /* kill; stop and restart -s (0: its own) */
  unsigned rm_flags;       /* rm: COCIN_RM_* */
  bool help;              /* run --help */
  struct cocin_exec_opts exec; /* exec (always detached) */
  char *exec_name;        /* exec: the container */
  char *image;            /* commit: the new image */
  const char *id;         /* a container's ctl: the container opened */
};

/* Split one line into words and parse it for the scope; `container` is the
 * directory's container for FS_SCOPE_CONTAINER.  An empty line parses to a
 * command with verb NULL (nothing to do).  Syntax errors: EINVAL. */
int fs_cmd_parse(enum fs_scope scope, const char *container, const char *line, size_t len,
                 struct fs_cmd *cmd, cocin_error_t *err);
/* Run a parsed command; what it says on success is appended to *reply.
 * Containers given by id (or a prefix of it) are then named by their names
 * in cmd->names. */
int fs_cmd_run(const char *root, struct fs_cmd *cmd, char **reply, cocin_error_t *err);
void fs_cmd_free(struct fs_cmd *cmd);
/* Does the command wait (stop, rm -f: for the container to end), holding
 * a thread? */
bool fs_cmd_blocks(const struct fs_cmd *cmd);
/* Does the command remove containers (their directories must go at once)? */
bool fs_cmd_removes(const struct fs_cmd *cmd);

/* Append printf-formatted text to a malloc'd string (NULL = empty). */
void fs_str_append(char **s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- the daemon -------------------------------------------------------- */
struct fs_ctx {
  const char *root; /* absolute state root */
  uid_t uid;        /* owner shown for every file */
  gid_t gid;
  /* container.log is a symlink to the log in the state root (reads and
   * tail -f go to the file itself); false with --allow-other, whose
   * readers cannot enter the state root: the daemon serves the bytes. */
  bool log_links;
};
/* The context given to fuse_new (valid in any FUSE handler). */
struct fs_ctx *fs_ctx(void);

enum fs_kind {
  FS_KIND_TOP_CTL,
  FS_KIND_CONFIG,
  FS_KIND_STATUS,
  FS_KIND_LOG,
  FS_KIND_CTL,
  FS_KIND_EXEC,
  FS_KIND_WAIT,
  FS_KIND_STATS,
  FS_KIND_PROCS, /* top */
  FS_KIND_DIFF,
};

enum fs_exec_state {
  FS_EXEC_IDLE,    /* no command yet: reads give the last reply */
  FS_EXEC_OUTPUT,  /* reads give the command's output */
  FS_EXEC_STATUS,  /* output ended (EOF was returned once): reads give "<code>\n" */
};

struct fs_file;

/* What an open file is: the typed handle in fi->fh. */
struct fs_handle {
  const struct fs_file *file;
  char *name; /* container; NULL for /ctl */
  /* ctl, wait, exec: the container's id when the file was opened: they
   * act on that container only, not on one that took the name since */
  char *id;
  pthread_mutex_t lock;
  /* snapshot of a generated file, or the reply of a control file */
  char *data;
  size_t len;
  bool have_data; /* wait: the code has been read */
  off_t reply_base; /* file offset where the reply starts (-1: next read) */
  int fd;           /* log: the log file; exec: the output pipe */
  struct fs_linebuf line;
  /* exec */
  enum fs_exec_state xstate;
  pid_t pid;
  /* the write end of the command's own lifeline, which only the daemon
   * holds: closed (release, or the daemon's end), its joiner kills the
   * command, what it started and its process group */
  int life;
  size_t status_pos;
};

/* Record in h->id the id of the container h->name names now (ENOENT
 * as a -errno when there is none). */
int fs_handle_pin(struct fs_handle *h);

typedef int (*fs_open_fn)(struct fs_handle *h, int flags);
typedef ssize_t (*fs_read_fn)(struct fs_handle *h, char *buf, size_t size, off_t off);
typedef ssize_t (*fs_write_fn)(struct fs_handle *h, const char *buf, size_t size, off_t off);
typedef int (*fs_flush_fn)(struct fs_handle *h);
typedef void (*fs_release_fn)(struct fs_handle *h);
/* Fill st (mode, size, times) for this file of container `name`; the
 * container's config.json was stat'ed into cst. */
typedef int (*fs_stat_fn)(const char *name, const struct stat *cst, struct stat *st);

/* One row of the per-container file table (and /ctl). */
struct fs_file {
  const char *name;
  enum fs_kind kind;
  mode_t mode;
  bool direct_io;
  fs_open_fn open;
  fs_read_fn read;
  fs_write_fn write; /* NULL: read-only */
  fs_flush_fn flush;
  fs_release_fn release;
  fs_stat_fn stat; /* NULL: size 0, times of the container */
};

/* files.c: the table, terminated by a row with name NULL. */
extern const struct fs_file fs_files[];
extern const struct fs_file fs_top_ctl;
const struct fs_file *fs_file_find(const char *name);
/* Serve the handle's data snapshot at off. */
ssize_t fs_serve(const char *data, size_t len, char *buf, size_t size, off_t off);

/* ctl.c */
int fs_ctl_open(struct fs_handle *h, int flags);
ssize_t fs_ctl_read(struct fs_handle *h, char *buf, size_t size, off_t off);
ssize_t fs_ctl_write(struct fs_handle *h, const char *buf, size_t size, off_t off);
int fs_ctl_flush(struct fs_handle *h);
/* The reply of a control or exec file, read at file offset off. */
ssize_t fs_reply_read(struct fs_handle *h, char *buf, size_t size, off_t off);
/* Replace the handle's reply (takes the string). */
void fs_reply_set(struct fs_handle *h, char *reply);

/* exec.c */
int fs_exec_open(struct fs_handle *h, int flags);
ssize_t fs_exec_read(struct fs_handle *h, char *buf, size_t size, off_t off);
ssize_t fs_exec_write(struct fs_handle *h, const char *buf, size_t size, off_t off);
int fs_exec_flush(struct fs_handle *h);
void fs_exec_release(struct fs_handle *h);

/* tree.c */
extern const struct fuse_operations fs_ops;
/* Tell the kernel /<name> is gone now (not when its entry times out). */
void fs_forget_container(const char *name);
/* true when the FUSE request being served was interrupted */
bool fs_interrupted(void);
/* A slot for a read or command that blocks (FS_MAX_BLOCKING at once, of
 * which a user other than root may hold half): the slot (>= 0) to give
 * back, or -EAGAIN. */
int fs_block_enter(void);
void fs_block_leave(int slot);
/* EAGAIN, said: a command that would block found no slot */
int fs_block_refused(cocin_error_t *err);

/* Turn a cocin error into -errno for FUSE (EIO when unknown). */
int fs_errno(const cocin_error_t *err);

/* Worker threads of the FUSE loop block every signal; a child forked from
 * one would keep that mask across execve.  Unblock around fork-and-exec
 * calls into the runtime (cocin_run, cocin_exec_start). */
struct fs_sigmask {
  sigset_t old;
};
void fs_sigmask_open(struct fs_sigmask *m);
void fs_sigmask_restore(struct fs_sigmask *m);
#define cleanup_sigmask __attribute__((cleanup(fs_sigmask_restore)))

#endif
