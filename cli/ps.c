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

/* Characters (UTF-8 code points) in s: what a column's width counts. */
static size_t columns(const char *s)
{
  size_t n = 0;
  for (; *s; s++)
    if (((unsigned char)*s & 0xC0) != 0x80)
      n++;
  return n;
}

/* A command for one line of a table: control characters and bytes that
 * are no UTF-8 written as escapes (\n, \t, \xNN), and at most max
 * characters, never cut inside one: one cut short ends in "...". */
static char *command_cell(const char *cmd, size_t max)
{
  char *out = xmalloc0(strlen(cmd) * 4 + 1);
  size_t len = 0;
  for (const unsigned char *p = (const unsigned char *)cmd; *p;) {
    unsigned char c = *p;
    size_t seq = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
                             : (c & 0xF8) == 0xF0 ? 4 : 0;
    for (size_t k = 1; k < seq; k++)
      if ((p[k] & 0xC0) != 0x80)
        seq = 0;
    if (c == '\n' || c == '\t') {
      out[len++] = '\\';
      out[len++] = c == '\n' ? 'n' : 't';
      p++;
    } else if (seq == 0 || c < 0x20 || c == 0x7f) {
      len += (size_t)sprintf(out + len, "\\x%02x", c);
      p++;
    } else {
      memcpy(out + len, p, seq);
      len += seq;
      p += seq;
    }
  }
  out[len] = '\0';
  if (columns(out) > max && max > 3) {
    size_t n = 0, at = 0;
    for (; out[at] && n < max - 3; n++) /* max - 3 characters, then "..." */
      do
        at++;
      while (((unsigned char)out[at] & 0xC0) == 0x80);
    strcpy(out + at, "...");
  }
  return out;
}

struct ps_row {
  char *cell[6]; /* ID NAME PID STATUS COMMAND CREATED */
  char *created; /* createTime, to sort by */
};

static int newest_first(const void *a, const void *b)
{
  const struct ps_row *x = a, *y = b;
  return strcmp(y->created, x->created);
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
  size_t nrows = 0;
  cleanup_free struct ps_row *rows = xmalloc0((strv_len(names) + 1) * sizeof(*rows));
  rows[nrows++] = (struct ps_row){{xstrdup("ID"), xstrdup("NAME"), xstrdup("PID"),
                                   xstrdup("STATUS"), xstrdup("COMMAND"), xstrdup("CREATED")},
                                  xstrdup("")};
  for (char **n = names; *n; n++) {
    cJSON *cfg = NULL;
    cocin_error_t e = NULL;
    struct ps_row *r = &rows[nrows];
    if (cocin_state_load(root, *n, &cfg, &e) < 0) {
      /* an unreadable state (a crash on a filesystem that lost the file's
       * data) is shown with -a, so that `rm -f NAME` is seen to be due;
       * gone meanwhile, nothing */
      if (cocin_error_status(&e) != ENOENT && p.all && !p.quiet) {
        *r = (struct ps_row){{xstrdup("?"), xstrdup(*n), xstrdup("-"),
                              xstrdup("unknown (corrupt state)"), xstrdup(""), xstrdup("?")},
                             xstrdup("")};
        nrows++;
      }
      cocin_error_release(&e);
      continue;
    }
    struct cocin_info info;
    cocin_info_from_json(cfg, &info);
    if (!p.all && info.state != COCIN_STATE_RUNNING) {
      cJSON_Delete(cfg);
      continue;
    }
    const char *id = cj_str(cfg, "id"), *cmd = cj_str(cfg, "command");
    const char *created = cj_str(cfg, "createTime");
    cleanup_free char *ago = cocin_time_ago(info.created);
    r->cell[0] = xasprintf("%.12s", id ? id : "");
    r->cell[1] = xstrdup(*n);
    r->cell[2] = info.state == COCIN_STATE_RUNNING ? xasprintf("%d", info.pid) : xstrdup("-");
    r->cell[3] = cocin_status_human(cfg);
    r->cell[4] = command_cell(cmd ? cmd : "", 24);
    r->cell[5] = xasprintf("%s ago", ago);
    r->created = xstrdup(created ? created : "");
    nrows++;
    cJSON_Delete(cfg);
  }
  /* newest first, as docker lists them */
  qsort(rows + 1, nrows - 1, sizeof(*rows), newest_first);
  size_t width[6] = {0};
  for (size_t i = 0; i < nrows; i++)
    for (int c = 0; c < 6; c++)
      if (columns(rows[i].cell[c]) > width[c])
        width[c] = columns(rows[i].cell[c]);
  for (size_t i = 0; i < nrows; i++) {
    if (p.quiet) {
      if (i > 0) /* no header */
        printf("%s\n", rows[i].cell[0]);
    } else {
      for (int c = 0; c < 5; c++) /* each column as wide as its widest cell, then two spaces */
        printf("%s%*s", rows[i].cell[c], (int)(width[c] - columns(rows[i].cell[c]) + 2), "");
      printf("%s\n", rows[i].cell[5]);
    }
    for (int c = 0; c < 6; c++)
      free(rows[i].cell[c]);
    free(rows[i].created);
  }
  return 0;
}

/* inspect and wait take names only (a name or id never starts with '-') */
static int names_only(const char *verb, int argc, char **argv)
{
  if (argc < 1)
    return cli_fail("%s: requires at least one container name", verb);
  for (int i = 0; i < argc; i++)
    if (argv[i][0] == '-')
      return cli_fail("%s: unknown flag: %s", verb, argv[i]);
  return 0;
}

int cmd_inspect(const char *root, int argc, char **argv)
{
  if (names_only("inspect", argc, argv) != 0)
    return 1;
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
  if (names_only("wait", argc, argv) != 0)
    return 1;
  int rc = 0;
  for (int i = 0; i < argc; i++) {
    cleanup_error cocin_error_t err = NULL;
    cleanup_free char *name = cocin_state_resolve(root, argv[i], &err);
    int code = name ? cocin_wait(root, name, NULL, NULL, &err) : -1;
    if (code < 0)
      rc = cli_error(&err);
    else
      printf("%d\n", code);
  }
  return rc;
}
