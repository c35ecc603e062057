/* cocin ps, inspect, wait */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/state.h"
#include "cocin/util.h"

enum { PS_ALL = 1, PS_QUIET };
struct ps_opts {
  bool all, quiet;
};

static int ps_opt(const struct cocin_opt *o, const char *v, void *data, cocin_error_t *err)
{
  struct ps_opts *p = data;
  if (o->id == PS_ALL)
    p->all = true;
  else
    p->quiet = true;
  return 0;
}

int cmd_ps(const char *root, int argc, char **argv)
{
  static const struct cocin_opt t[] = {{'a', "all", OPT_NONE, PS_ALL},
                                       {'q', "quiet", OPT_NONE, PS_QUIET},
                                       {0, NULL, OPT_NONE, 0}};
  struct ps_opts p = {0};
  int pos = 0;
  cleanup_error cocin_error_t err = NULL;
  if (cocin_opts_parse(t, argc, argv, &pos, ps_opt, &p, "ps", &err) < 0)
    return cli_error(&err);
  if (pos < argc)
    return cli_fail("ps: unexpected argument \"%s\"", argv[pos]);
  cleanup_strv char **names = NULL;
  if (cocin_state_list(root, &names, &err) < 0)
    return cli_error(&err);
  if (!p.quiet)
    printf("%-12s  %-16s  %-7s  %-34s  %-24s  %s\n", "ID", "NAME", "PID", "STATUS", "COMMAND",
           "CREATED");
  for (char **n = names; *n; n++) {
    cJSON *cfg = NULL;
    cocin_error_t e = NULL;
    if (cocin_state_load(root, *n, &cfg, &e) < 0) {
      /* an unreadable state (a crash on a filesystem that lost the file's
       * data) is shown with -a, so that `rm -f NAME` is seen to be due;
       * gone meanwhile, nothing */
      if (cocin_error_status(&e) != ENOENT && p.all && !p.quiet)
        printf("%-12s  %-16s  %-7s  %-34s  %-24s  %s\n", "?", *n, "-", "unknown (corrupt state)",
               "", "?");
      cocin_error_release(&e);
      continue;
    }
    struct cocin_info info;
    cocin_info_from_json(cfg, &info);
    if (!p.all && info.state != COCIN_STATE_RUNNING) {
      cJSON_Delete(cfg);
      continue;
    }
    const char *id = cj_str(cfg, "id");
    if (p.quiet) {
      printf("%.12s\n", id ? id : "");
    } else {
      cleanup_free char *status = cocin_status_human(cfg);
      cleanup_free char *ago = cocin_time_ago(info.created);
      const char *cmd = cj_str(cfg, "command");
      char pid[16] = "-";
      if (info.state == COCIN_STATE_RUNNING)
        snprintf(pid, sizeof(pid), "%d", info.pid);
      printf("%-12.12s  %-16s  %-7s  %-34s  %-24.24s  %s ago\n", id ? id : "", *n, pid, status,
             cmd ? cmd : "", ago);
    }
    cJSON_Delete(cfg);
  }
  return 0;
}

int cmd_inspect(const char *root, int argc, char **argv)
{
  if (argc < 1)
    return cli_fail("inspect: requires at least one container name");
  int rc = 0;
  for (int i = 0; i < argc; i++) {
    cJSON *cfg = NULL;
    cleanup_error cocin_error_t err = NULL;
    cleanup_free char *name = cocin_state_resolve(root, argv[i], &err);
    if (name == NULL || cocin_state_load(root, name, &cfg, &err) < 0) {
      rc = cli_error(&err);
      continue;
    }
    cleanup_free char *text = cJSON_Print(cfg);
    printf("%s\n", text);
    cJSON_Delete(cfg);
  }
  return rc;
}

int cmd_wait(const char *root, int argc, char **argv)
{
  if (argc < 1)
    return cli_fail("wait: requires at least one container name");
  int rc = 0;
  for (int i = 0; i < argc; i++) {
    cleanup_error cocin_error_t err = NULL;
    cleanup_free char *name = cocin_state_resolve(root, argv[i], &err);
    int code = name ? cocin_wait(root, name, NULL, &err) : -1;
    if (code < 0)
      rc = cli_error(&err);
    else
      printf("%d\n", code);
  }
  return rc;
}
