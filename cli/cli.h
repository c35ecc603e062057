/* cocin CLI — docker-style verbs over the runtime library. */
#ifndef COCIN_CLI_H
#define COCIN_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/types.h>

#include "cocin/error.h"
#include "cocin/spec.h"
#include "cocin/state.h"

struct cli_verb {
  const char *name;
  int (*fn)(const char *root, int argc, char **argv);
  const char *usage; /* first line: "NAME ARGS", then description */
};

/* Print "cocin: MSG" (the error's message) and return 1 (or the code). */
int cli_error(cocin_error_t *err);
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* cli_fail for a flag that cannot be read: the exit code becomes 125 */
int cli_usage_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The flags of t in argv, anywhere among the arguments (docker's flag
 * library), by the library's parser, with docker's messages:
 * vals[opt->id] is each one's value ("" for a flag without one).  The
 * arguments are moved behind the flags, in their order; the position of
 * the first, or -1 (said). */
int cli_flags(const char *verb, const struct cocin_opt *t, int argc, char **argv,
              const char **vals);
/* --format's template ({{.KEY[.KEY...]}}, {{json .KEY}}) over obj, to
 * out and a newline; out NULL: only checked.  1 on a syntax error, said
 * once ("VERB: --format ...", keys: what the keys are). */
int cli_json_format(const char *verb, const char *keys, const char *fmt, const cJSON *obj,
                    FILE *out);
/* docker's inspect object for the container's record (State, Config,
 * HostConfig, Mounts, ...): the keys inspect's templates find when they
 * begin with a capital.  The caller deletes it. */
cJSON *cli_docker_view(const cJSON *cfg);
/* docker's SIZE: three significant digits, powers of 1000 ("1.99MB") */
void cli_human_size(uint64_t n, char *buf, size_t len);
/* warning, then docker's "Are you sure you want to continue? [y/N] " on
 * standard output: true for an answer that starts with y or Y. */
bool cli_confirm(const char *warning);
/* `--help`/`-h` as the only argument. */
bool cli_wants_help(int argc, char **argv);

/* the detach keys when none are given: Ctrl-P Ctrl-Q, docker's */
#define DETACH_KEYS_DEFAULT {{0x10, 0x11}, 2}
/* Your terminal to the container's pty until end_fd is readable (and
 * the pty drained); what it prints also to log_fd when >= 0.  keys
 * (NULL: none) end it early (1, detached); without use_stdin (-t
 * without -i, --no-stdin) the input is not read nor the terminal made
 * raw.  0 when the container ended.  ending (NULL: none): a signal that
 * would end us (INT, TERM, HUP, QUIT) is stored there instead, with 1,
 * for the caller to let the terminal go first (run -t without -i). */
int tty_relay_keys(int master, int end_fd, int log_fd, const struct cocin_detach_keys *keys,
                   bool use_stdin, int *ending);
/* start -a [-i]: one container started and attached (attach.c) */
int start_attached(const char *root, const char *name, bool want_stdin, const char *keys);
/* A socket pair for a container's console (it sends its pty master on
 * *theirs) and our terminal's window size. */
int tty_console(int *ours, int *theirs, struct winsize *ws);
/* Replace *fd, our end of the console socket, by the pty master the
 * container sent on it. */
int tty_receive(int *fd, cocin_error_t *err);

/* A container's stdin, stdout and stderr: the caller's own, or pipes we
 * copy through (see tty.c for which). */
struct relay {
  int theirs[3]; /* what the container gets */
  int ours[3];   /* our end of each pipe, or -1: given as it is (or done) */
};
#define RELAY_NONE {{0, 1, 2}, {-1, -1, -1}}
int relay_setup(struct relay *r, const int stdio[3]);
/* The container started: close our copies of its ends. */
void relay_started(struct relay *r);
void relay_free(struct relay *r);
/* Copy until on_end(ctx) (called when end_fd is readable) says 1, and
 * then, with to_eof, until the container's outputs are at their end
 * (run: its pid namespace is gone with its init), else as long as there
 * is output at once (exec: a process the command left in the background
 * may hold them for ever); on_sig(ctx) when sig_fd is readable (-1:
 * none). */
int relay_run(struct relay *r, int end_fd, int (*on_end)(void *ctx), int sig_fd,
              void (*on_sig)(void *ctx), void *ctx, bool to_eof);
/* Block the signals a run, attach or exec passes on to what it waits for
 * (docker's sig-proxy: INT, TERM, HUP) into mask; old: the mask before
 * (NULL: not wanted). */
void block_passed_on(sigset_t *mask, sigset_t *old);

int cmd_run(const char *root, int argc, char **argv);
int cmd_create(const char *root, int argc, char **argv);
int cmd_exec(const char *root, int argc, char **argv);
int cmd_ps(const char *root, int argc, char **argv);
int cmd_inspect(const char *root, int argc, char **argv);
int cmd_logs(const char *root, int argc, char **argv);
int cmd_attach(const char *root, int argc, char **argv);
int cmd_stop(const char *root, int argc, char **argv);
int cmd_diff(const char *root, int argc, char **argv);
int cmd_commit(const char *root, int argc, char **argv);
int cmd_update(const char *root, int argc, char **argv);
int cmd_export(const char *root, int argc, char **argv);
int cmd_container(const char *root, int argc, char **argv);
int cmd_volume(const char *root, int argc, char **argv);
int cmd_system(const char *root, int argc, char **argv);
int cmd_image(const char *root, int argc, char **argv);
/* The verb name with its arguments (--help: its usage); -1 if there is
 * no such verb. */
int cli_run_verb(const char *root, const char *name, int argc, char **argv);
int cmd_info(const char *root, int argc, char **argv);
int cmd_version(const char *root, int argc, char **argv);
/* container prune's work: every container that does not run removed,
 * "Deleted Containers:" and their ids printed (*any: one was), the bytes
 * their layers held added to *freed; 1 if one could not be (said) */
int cli_prune_containers(const char *root, uint64_t *freed, bool *any);
/* the same for the images no container uses ("Deleted Images:") */
int cli_prune_images(const char *root, uint64_t *freed, bool *any);
/* the same for the volumes no container uses, anonymous ones only unless
 * all ("Deleted Volumes:") */
int cli_prune_volumes(const char *root, bool all, uint64_t *freed, bool *any);
/* every prune's last line: "Total reclaimed space: 2.09MB" (after a blank
 * line if anything was listed) */
void cli_print_reclaimed(uint64_t freed, bool any);
/* A container container prune removes: ended (not waiting to restart),
 * or made by create and never started */
bool cli_container_idle(const cJSON *cfg, const struct cocin_info *info);
int cmd_kill(const char *root, int argc, char **argv);
int cmd_rm(const char *root, int argc, char **argv);
int cmd_start(const char *root, int argc, char **argv);
int cmd_restart(const char *root, int argc, char **argv);
int cmd_rename(const char *root, int argc, char **argv);
int cmd_cp(const char *root, int argc, char **argv);
int cmd_pause(const char *root, int argc, char **argv);
int cmd_unpause(const char *root, int argc, char **argv);
int cmd_wait(const char *root, int argc, char **argv);
int cmd_port(const char *root, int argc, char **argv);
int cmd_images(const char *root, int argc, char **argv);
int cmd_import(const char *root, int argc, char **argv);
int cmd_rmi(const char *root, int argc, char **argv);
int cmd_stats(const char *root, int argc, char **argv);
int cmd_top(const char *root, int argc, char **argv);

#endif
