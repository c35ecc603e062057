/* cocinfs — /<name>/exec: one transaction per open file.
 *
 *   exec 3<>/cocin/web/exec       open read-write
 *   echo 'ls -l /' >&3            one command line: starts it (stdin
 *                                 /dev/null, stdout+stderr into one pipe)
 *   cat <&3                       its output as it comes, then EOF once
 *   read code <&3                 then "<code>\n" (127 not found, 126 not
 *                                 executable, 128+N killed by signal N)
 *   exec 3<&-                     closing early kills what it started
 *
 * The line's grammar is `cocin exec`'s without the name: optional leading
 * -e K=V, -w DIR, -u UID[:GID], then the command.  A failed start fails
 * the write (ENOENT no container, ESRCH not running, EINVAL syntax) and
 * the message is read from the file; a second command is EBUSY. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/state.h"
#include "cocin/util.h"
#include "cocin/words.h"
#include "cocinfs.h"

int fs_exec_open(struct fs_handle *h, int flags)
{
  if ((flags & O_ACCMODE) == O_WRONLY)
    return -EINVAL; /* the output and status are read back: open it O_RDWR (3<>) */
  int r = fs_handle_pin(h);
  if (r < 0)
    return r;
  h->reply_base = -1;
  h->pid = -1;
  h->xstate = FS_EXEC_IDLE;
  return 0;
}

static int exec_start(struct fs_handle *h, char **words, cocin_error_t *err)
{
  struct cocin_exec_opts o = {0};
  cleanup_free char *name = NULL;
  bool interactive = false;
  int r = cocin_exec_parse(&o, h->name, &name, &interactive, (int)strv_len(words), words, err);
  if (r == 0 && (interactive || o.tty))
    r = cocin_fail(err, EINVAL, "exec -%c needs a terminal: use the cocin CLI", o.tty ? 't' : 'i');
  if (r == 0 && o.detach)
    r = cocin_fail(err, EINVAL, "exec -d: the exec file gives the output and status: write the "
                                "command without -d (or write exec -d to the container's ctl)");
  o.id = h->id;
  if (r == 0) {
    /* a lifeline of its own: closed at release (or with the daemon), its
     * joiner kills the command, what it started and its process group */
    int p[2], life[2] = {-1, -1};
    cleanup_close int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd < 0 || pipe2(life, O_CLOEXEC) < 0) {
      r = cocin_fail_errno(err, "exec: pipe");
    } else if (pipe2(p, O_CLOEXEC) < 0) {
      r = cocin_fail_errno(err, "exec: pipe");
      close(life[0]);
      close(life[1]);
    } else {
      cleanup_close int wr = p[1], life_r = life[0];
      int stdio[3] = {null_fd, wr, wr};
      pid_t pid;
      o.lifeline = life_r;
      cleanup_sigmask struct fs_sigmask m;
      fs_sigmask_open(&m);
      /* in a slot, as a ctl's exec waits: the start lasts until its
       * execve, which a container frozen meanwhile holds up */
      int slot = fs_block_enter();
      if (slot < 0) {
        r = fs_block_refused(err);
      } else {
        r = cocin_exec_start(fs_ctx()->root, h->name, &o, stdio, &pid, err);
        fs_block_leave(slot);
      }
      if (r < 0) {
        close(p[0]);
        close(life[1]);
      } else {
        h->fd = p[0];
        h->pid = pid;
        h->life = life[1];
        h->xstate = FS_EXEC_OUTPUT;
      }
    }
  }
  cocin_exec_opts_free(&o);
  return r;
}

static int exec_line(const char *line, size_t len, void *data, cocin_error_t *err)
{
  struct fs_handle *h = data;
  cleanup_strv char **words = NULL;
  if (cocin_split_words(line, len, &words, err) < 0)
    return -1;
  if (words[0] == NULL)
    return 0;
  if (h->xstate != FS_EXEC_IDLE)
    return cocin_fail(err, EBUSY, "exec: one command per open file: open it again");
  return exec_start(h, words, err);
}

static int exec_feed(struct fs_handle *h, const char *buf, size_t size, bool flush)
{
  cleanup_error cocin_error_t err = NULL;
  int r = 0;
  if (flush) {
    size_t len = 0;
    cleanup_free char *line = fs_line_take(&h->line, &len);
    if (line)
      r = exec_line(line, len, h, &err);
  } else {
    r = fs_line_feed(&h->line, buf, size, exec_line, h, &err);
  }
  if (r < 0) {
    /* Readable on the file only before a command started: once one has,
     * reads give its output and status, then end of file for good (a
     * second command's EBUSY is the write's errno alone). */
    if (h->xstate == FS_EXEC_IDLE)
      fs_reply_set(h, xasprintf("%s\n", cocin_error_msg(&err)));
    return fs_errno(&err);
  }
  return 0;
}

ssize_t fs_exec_write(struct fs_handle *h, const char *buf, size_t size, off_t off)
{
  pthread_mutex_lock(&h->lock);
  int r = exec_feed(h, buf, size, false);
  pthread_mutex_unlock(&h->lock);
  return r < 0 ? r : (ssize_t)size;
}

int fs_exec_flush(struct fs_handle *h)
{
  pthread_mutex_lock(&h->lock);
  int r = exec_feed(h, NULL, 0, true);
  pthread_mutex_unlock(&h->lock);
  return r;
}

static int exit_code_of(int status)
{
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* Block until fd is readable; -EINTR if the reader was interrupted. */
static int wait_readable(int fd)
{
  struct pollfd p = {.fd = fd, .events = POLLIN};
  if (poll(&p, 1, 0) > 0)
    return 0; /* no need to block */
  int slot = fs_block_enter(), r = 0;
  if (slot < 0)
    return slot;
  for (;;) {
    if (fs_interrupted()) {
      r = -EINTR;
      break;
    }
    int n = poll(&p, 1, 200);
    if (n > 0)
      break;
    if (n < 0 && errno != EINTR) {
      r = -errno;
      break;
    }
  }
  fs_block_leave(slot);
  return r;
}

/* The exit status line, once the command is reaped (h->lock held, let go
 * while the command runs on: another reader of the fd waits in a slot of
 * its own, not on the lock). */
static int exec_status(struct fs_handle *h)
{
  if (h->have_data)
    return 0;
  cleanup_close int pfd = sys_pidfd_open(h->pid);
  if (pfd < 0)
    return -EAGAIN; /* (out of fds: no waiting without a slot) */
  pthread_mutex_unlock(&h->lock);
  int r = wait_readable(pfd);
  pthread_mutex_lock(&h->lock);
  if (r < 0 || h->have_data) /* (another reader reaped it meanwhile) */
    return r < 0 ? r : 0;
  int status = 0;
  while (waitpid(h->pid, &status, 0) < 0)
    if (errno != EINTR)
      return -EIO;
  h->pid = -1;
  fs_reply_set(h, xasprintf("%d\n", exit_code_of(status)));
  h->have_data = true;
  return 0;
}

ssize_t fs_exec_read(struct fs_handle *h, char *buf, size_t size, off_t off)
{
  pthread_mutex_lock(&h->lock);
  enum fs_exec_state st = h->xstate;
  ssize_t r = 0;
  switch (st) {
  case FS_EXEC_IDLE:
    r = fs_reply_read(h, buf, size, off);
    break;
  case FS_EXEC_STATUS:
    /* "<code>\n" once, consumed as read whatever the offset, then EOF */
    r = exec_status(h);
    if (r == 0) {
      r = fs_serve(h->data, h->len, buf, size, (off_t)h->status_pos);
      h->status_pos += (size_t)r;
    }
    break;
  case FS_EXEC_OUTPUT:
  default:
    break;
  }
  pthread_mutex_unlock(&h->lock);
  if (st != FS_EXEC_OUTPUT)
    return r;

  /* the output: blocking reads on the pipe, outside the lock; the fd
   * stays open until release, so a concurrent reader is harmless */
  for (;;) {
    int w = wait_readable(h->fd);
    if (w < 0)
      return w;
    ssize_t n = read(h->fd, buf, size);
    if (n > 0)
      return n;
    if (n == 0)
      break;
    if (errno != EINTR && errno != EAGAIN)
      return -EIO; /* (one the README names, as fs_errno gives) */
  }
  pthread_mutex_lock(&h->lock);
  if (h->xstate == FS_EXEC_OUTPUT)
    h->xstate = FS_EXEC_STATUS; /* this EOF is the end of the output */
  pthread_mutex_unlock(&h->lock);
  return 0;
}

/* Closed before the end: its lifeline cut, the joiner kills the command,
 * what it started (the orphans among them too: its process group) and
 * ends; reaped here. */
void fs_exec_release(struct fs_handle *h)
{
  if (h->life >= 0)
    close(h->life);
  h->life = -1;
  if (h->pid > 0) {
    while (waitpid(h->pid, NULL, 0) < 0 && errno == EINTR)
      ;
    h->pid = -1;
  }
  if (h->fd >= 0)
    close(h->fd);
  h->fd = -1;
}
