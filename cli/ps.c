/* cocin ps, inspect, wait */
#include <arpa/inet.h>
#include <errno.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/state.h"
#include "cocin/util.h"

enum { PS_ALL = 1, PS_QUIET, PS_FILTER, PS_FORMAT, PS_NO_TRUNC, PS_LAST, PS_LATEST, PS_SIZE };
struct ps_opts {
  bool all, quiet, no_trunc, size;
  long last; /* -n N: the N last created (whatever their state); 0: all; -1: not given */
  bool latest; /* -l: -n 1, unless -n is given */
  char **filters; /* KEY=VALUE, as given */
  const char *format;
};

static int ps_opt(const struct cocin_opt *o, const char *v, void *data, cocin_error_t *err)
{
  struct ps_opts *p = data;
  switch (o->id) {
  case PS_ALL:
    p->all = true;
    break;
  case PS_LAST: { /* docker's int flag: any number, what is not positive lists as without it */
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (*v == '\0' || *end || errno)
      return cocin_fail_usage(err, "ps: invalid --last \"%s\": expected a number", v);
    /* (0 and below: no limit; -l then adds none, but -1 is docker's
     * default, "not given") */
    p->last = n > 0 ? n : n == -1 ? -1 : 0;
    break;
  }
  case PS_LATEST:
    p->latest = true;
    break;
  case PS_SIZE:
    p->size = true;
    break;
  case PS_QUIET:
    p->quiet = true;
    break;
  case PS_FILTER:
    strv_append(&p->filters, v);
    break;
  case PS_FORMAT:
    p->format = v;
    break;
  default:
    p->no_trunc = true;
  }
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

/* ---- --filter KEY=VALUE, docker's keys: one key given twice matches
 * either value, different keys must all match ------------------------------ */

enum filter_key { F_ID, F_NAME, F_STATUS, F_EXITED, F_ANCESTOR, F_HEALTH, F_LABEL };
static const char *const filter_keys[] = {"id",     "name",   "status", "exited",
                                          "ancestor", "health", "label",  NULL};
/* docker's states, and cocin's own "stopped" (one docker calls exited) */
static const char *const filter_states[] = {"created", "running", "exited",  "stopped", "paused",
                                            "restarting", "removing", "dead", NULL};

struct filter {
  enum filter_key key;
  char *value;
  regex_t re; /* id and name: a regular expression, as docker matches them */
  bool has_re;
  int code;   /* exited */
};

struct filters {
  struct filter *f;
  size_t n;
};

static void filters_free(struct filters *fs)
{
  for (size_t i = 0; i < fs->n; i++) {
    if (fs->f[i].has_re)
      regfree(&fs->f[i].re);
    free(fs->f[i].value);
  }
  free(fs->f);
}
#define cleanup_filters __attribute__((cleanup(filters_free)))

static int filters_parse(char **given, struct filters *fs)
{
  for (char **g = given; g && *g; g++) {
    const char *eq = strchr(*g, '=');
    int key = -1;
    for (int k = 0; eq && filter_keys[k]; k++)
      if ((size_t)(eq - *g) == strlen(filter_keys[k]) && !strncmp(*g, filter_keys[k], eq - *g))
        key = k;
    if (key < 0)
      return cli_fail("ps: invalid filter \"%s\": expected KEY=VALUE with KEY one of id, name, "
                      "status, exited, ancestor, health, label",
                      *g);
    fs->f = xrealloc(fs->f, (fs->n + 1) * sizeof(*fs->f));
    struct filter *f = &fs->f[fs->n++];
    *f = (struct filter){(enum filter_key)key, xstrdup(eq + 1), {0}, false, 0};
    char *end = NULL;
    switch (f->key) {
    case F_ID:
    case F_NAME:
      if (regcomp(&f->re, f->value, REG_EXTENDED | REG_NOSUB) != 0)
        return cli_fail("ps: invalid filter \"%s\": not a regular expression", *g);
      f->has_re = true;
      break;
    case F_STATUS: {
      bool ok = false;
      for (int i = 0; filter_states[i]; i++)
        ok = ok || !strcmp(f->value, filter_states[i]);
      if (!ok)
        return cli_fail("ps: invalid filter \"%s\": a status is one of created, running, "
                        "exited, stopped, paused, restarting, removing, dead",
                        *g);
      break;
    }
    case F_EXITED:
      errno = 0;
      long c = f->value[0] ? strtol(f->value, &end, 10) : -1;
      if (errno || end == NULL || *end || c < 0 || c > 255)
        return cli_fail("ps: invalid filter \"%s\": an exit code is a number from 0 to 255", *g);
      f->code = (int)c;
      break;
    case F_HEALTH:
      if (strcmp(f->value, "starting") && strcmp(f->value, "healthy") &&
          strcmp(f->value, "unhealthy") && strcmp(f->value, "none"))
        return cli_fail("ps: invalid filter \"%s\": a health is one of starting, healthy, "
                        "unhealthy, none",
                        *g);
      break;
    case F_ANCESTOR:
    default:
      break;
    }
  }
  return 0;
}

/* A record's labels as KEY=VALUE words, NULL if none */
static char **labels_of(const cJSON *cfg)
{
  char **v = NULL;
  const cJSON *l, *ls = cJSON_GetObjectItemCaseSensitive(cfg, "labels");
  cJSON_ArrayForEach(l, ls)
  {
    if (!cJSON_IsString(l) || l->string == NULL)
      continue;
    cleanup_free char *kv = xasprintf("%s=%s", l->string, l->valuestring);
    strv_append(&v, kv);
  }
  return v;
}

/* What a filter or a format reads of one container. */
struct ps_row {
  char *id, *name, *image, *command, *created_text, *status;
  char *ports; /* docker's "0.0.0.0:8080->80/tcp, ...": running ones only */
  enum cocin_state state;
  bool paused, restarting;
  enum cocin_health_status health;
  char **labels; /* KEY=VALUE */
  pid_t pid;
  int exit_code;
  int64_t created;
  bool corrupt; /* config.json unreadable: shown by the default table with -a */
  char *size;   /* -s: docker's "2B (virtual 4.26MB)"; NULL: not measured */
};

static void row_free(struct ps_row *r)
{
  free(r->id);
  free(r->name);
  free(r->image);
  free(r->command);
  free(r->created_text);
  free(r->status);
  free(r->ports);
  free(r->size);
  strv_free(r->labels);
}

/* docker's state words: a paused container is "paused", not "running" */
static const char *row_state(const struct ps_row *r)
{
  return r->paused ? "paused" : r->restarting ? "restarting" : cocin_state_name(r->state);
}

static bool filter_match(const struct filter *f, const struct ps_row *r)
{
  switch (f->key) {
  case F_ID:
    return regexec(&f->re, r->id, 0, NULL, 0) == 0;
  case F_NAME:
    return regexec(&f->re, r->name, 0, NULL, 0) == 0;
  case F_STATUS:
    return !strcmp(f->value, row_state(r)) ||
           (!strcmp(f->value, "exited") && r->state == COCIN_STATE_STOPPED && !r->restarting);
  case F_EXITED:
    return (r->state == COCIN_STATE_EXITED || r->state == COCIN_STATE_STOPPED) &&
           !r->restarting && r->exit_code == f->code;
  case F_HEALTH:
    return !strcmp(f->value, cocin_health_name(r->health));
  case F_LABEL: /* label=KEY: has it; label=KEY=VALUE: with that value */
    for (char **l = r->labels; l && *l; l++) {
      size_t k = strcspn(*l, "=");
      if (strchr(f->value, '=') ? !strcmp(*l, f->value)
                                : strlen(f->value) == k && !strncmp(*l, f->value, k))
        return true;
    }
    return false;
  case F_ANCESTOR: {
    /* an image has no tags here: busybox and busybox:latest are one */
    size_t n = strlen(r->image);
    return !strcmp(f->value, r->image) ||
           (!strncmp(f->value, r->image, n) && !strcmp(f->value + n, ":latest"));
  }
  default:
    return false;
  }
}

static bool filters_match(const struct filters *fs, const struct ps_row *r)
{
  for (int k = F_ID; k <= F_LABEL; k++) {
    bool given = false, any = false;
    for (size_t i = 0; i < fs->n; i++)
      if ((int)fs->f[i].key == k) {
        given = true;
        any = any || filter_match(&fs->f[i], r);
      }
    if (given && !any)
      return false;
  }
  return true;
}

/* A running container's published ports, from its record (none else) */
static size_t running_ports(const cJSON *cfg, const struct cocin_info *info,
                            struct cocin_port **ports)
{
  size_t n = 0;
  *ports = NULL;
  if (info->state == COCIN_STATE_RUNNING)
    (void)cocin_ports_from_json(cJSON_GetObjectItemCaseSensitive(cfg, "ports"), ports, &n, NULL);
  return n;
}

/* -p's ports as docker's ps shows them: "0.0.0.0:8080->80/tcp, ..." */
static char *ports_text(const cJSON *cfg, const struct cocin_info *info)
{
  cleanup_free struct cocin_port *ports = NULL;
  size_t n = running_ports(cfg, info, &ports);
  char *out = xstrdup("");
  for (size_t i = 0; i < n; i++) {
    char ip[INET_ADDRSTRLEN] = "?";
    inet_ntop(AF_INET, &ports[i].host_ip, ip, sizeof(ip));
    char *more = xasprintf("%s%s%s:%u->%u/tcp", out, i ? ", " : "", ip,
                           (unsigned)ports[i].host_port, (unsigned)ports[i].container_port);
    free(out);
    out = more;
    if (ports[i].v6) { /* docker's spelling of [::]:PORT */
      more = xasprintf("%s, :::%u->%u/tcp", out, (unsigned)ports[i].host_port,
                       (unsigned)ports[i].container_port);
      free(out);
      out = more;
    }
  }
  return out;
}

/* ---- --format: docker's placeholders, "table" for a header and columns - */

enum field { FD_TEXT, FD_ID, FD_NAMES, FD_IMAGE, FD_COMMAND, FD_CREATED_AT, FD_RUNNING_FOR,
             FD_STATUS, FD_STATE, FD_PID, FD_PORTS, FD_LABELS, FD_SIZE, FD_JSON };
static const struct {
  const char *name, *header;
} fields[] = {
    [FD_ID] = {".ID", "CONTAINER ID"},      [FD_NAMES] = {".Names", "NAMES"},
    [FD_IMAGE] = {".Image", "IMAGE"},       [FD_COMMAND] = {".Command", "COMMAND"},
    [FD_CREATED_AT] = {".CreatedAt", "CREATED AT"}, [FD_RUNNING_FOR] = {".RunningFor", "CREATED"},
    [FD_STATUS] = {".Status", "STATUS"},    [FD_STATE] = {".State", "STATE"},
    [FD_PID] = {".Pid", "PID"},             [FD_PORTS] = {".Ports", "PORTS"},
    [FD_LABELS] = {".Labels", "LABELS"},    [FD_SIZE] = {".Size", "SIZE"},
    [FD_JSON] = {"json .", ""},
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

struct piece {
  enum field field;
  char *text; /* FD_TEXT */
};

struct format {
  struct piece *p;
  size_t n;
  bool table;
};

static void format_free(struct format *f)
{
  for (size_t i = 0; i < f->n; i++)
    free(f->p[i].text);
  free(f->p);
}
#define cleanup_format __attribute__((cleanup(format_free)))

static void add_text(struct format *f, const char *s, size_t len)
{
  if (len == 0)
    return;
  /* \t and \n as docker reads them (a shell's '...' keeps the backslash) */
  char *t = xmalloc0(len + 1), *o = t;
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '\\' && i + 1 < len && (s[i + 1] == 't' || s[i + 1] == 'n')) {
      *o++ = s[++i] == 't' ? '\t' : '\n';
      continue;
    }
    *o++ = s[i];
  }
  f->p = xrealloc(f->p, (f->n + 1) * sizeof(*f->p));
  f->p[f->n++] = (struct piece){FD_TEXT, t};
}

/* Go's template text: the next {{...}} at or after s.  Returns its "{{"
 * (NULL: only text is left), with [*a, *b) the words inside without the
 * blanks around them, and *end just past its "}}" (NULL: a "{{" without
 * its "}}"). */
static const char *next_action(const char *s, const char **a, const char **b, const char **end)
{
  const char *open = strstr(s, "{{");
  if (open == NULL)
    return NULL;
  const char *close = strstr(open + 2, "}}");
  *end = close ? close + 2 : NULL;
  *a = open + 2;
  *b = close ? close : open + 2;
  while (*a < *b && **a == ' ')
    (*a)++;
  while (*b > *a && (*b)[-1] == ' ')
    (*b)--;
  return open;
}

static int format_parse(const char *given, struct format *f)
{
  const char *s = given;
  if (!strcmp(s, "json"))
    s = "{{json .}}";
  else if (!strncmp(s, "table", 5) && (s[5] == '\0' || s[5] == ' ')) {
    f->table = true;
    s += 5 + (s[5] == ' ');
    if (*s == '\0') /* "table": the default columns */
      s = "{{.ID}}\t{{.Names}}\t{{.Pid}}\t{{.Status}}\t{{.Command}}\t{{.RunningFor}}";
  }
  while (*s) {
    const char *a, *b, *end;
    const char *open = next_action(s, &a, &b, &end);
    if (open == NULL) {
      add_text(f, s, strlen(s));
      break;
    }
    add_text(f, s, (size_t)(open - s));
    if (end == NULL)
      return cli_fail("ps: --format \"%s\": \"{{\" without its \"}}\"", given);
    size_t len = (size_t)(b - a);
    size_t k = 1;
    while (k < NFIELDS && (strlen(fields[k].name) != len || strncmp(a, fields[k].name, len)))
      k++;
    if (k == NFIELDS)
      return cli_fail("ps: --format: unknown field \"%.*s\" (known: .ID .Names .Image .Command "
                      ".CreatedAt .RunningFor .Status .State .Pid .Ports .Labels .Size, and json .)",
                      (int)len, a);
    f->p = xrealloc(f->p, (f->n + 1) * sizeof(*f->p));
    f->p[f->n++] = (struct piece){(enum field)k, NULL};
    s = end;
  }
  return 0;
}

/* docker's ps: a command in quotes, cut to 20 characters unless --no-trunc */
static char *quoted_command(const struct ps_row *r, bool no_trunc)
{
  cleanup_free char *c = command_cell(r->command, no_trunc ? SIZE_MAX : 20);
  return xasprintf("\"%s\"", c);
}

static char *field_value(enum field fd, const struct ps_row *r, bool no_trunc)
{
  switch (fd) {
  case FD_ID:
    return no_trunc ? xstrdup(r->id) : xasprintf("%.12s", r->id);
  case FD_NAMES:
    return xstrdup(r->name);
  case FD_IMAGE:
    return xstrdup(r->image);
  case FD_COMMAND:
    return quoted_command(r, no_trunc);
  case FD_CREATED_AT: {
    char buf[64] = "";
    struct tm tm;
    time_t t = (time_t)r->created;
    if (r->created >= 0 && gmtime_r(&t, &tm))
      strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
    return xstrdup(buf);
  }
  case FD_RUNNING_FOR: {
    cleanup_free char *ago = cocin_time_ago(r->created);
    return xasprintf("%s ago", ago);
  }
  case FD_STATUS:
    return xstrdup(r->status);
  case FD_STATE:
    return xstrdup(row_state(r));
  case FD_PID:
    return r->state == COCIN_STATE_RUNNING ? xasprintf("%d", r->pid) : xstrdup("-");
  case FD_PORTS:
    return xstrdup(r->ports ? r->ports : "");
  case FD_LABELS: /* docker's: KEY=VALUE,KEY=VALUE */
    return r->labels ? strv_join(r->labels, ",") : xstrdup("");
  case FD_SIZE: /* (docker's too says 0B when not measured) */
    return xstrdup(r->size ? r->size : "0B");
  case FD_JSON: {
    cJSON *j = cJSON_CreateObject();
    for (size_t k = FD_ID; k < FD_JSON; k++) {
      cleanup_free char *v = field_value((enum field)k, r, no_trunc);
      cJSON_AddStringToObject(j, fields[k].name + 1, v);
    }
    char *text = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return text;
  }
  case FD_TEXT:
  default:
    return xstrdup("");
  }
}

/* One row of the format; header: the column names instead (table). */
static char *format_row(const struct format *f, const struct ps_row *r, bool no_trunc,
                        bool header)
{
  size_t len = 0;
  char *out = xstrdup("");
  for (size_t i = 0; i < f->n; i++) {
    cleanup_free char *v = f->p[i].field == FD_TEXT ? xstrdup(f->p[i].text)
                           : header                 ? xstrdup(fields[f->p[i].field].header)
                                                    : field_value(f->p[i].field, r, no_trunc);
    size_t vl = strlen(v);
    out = xrealloc(out, len + vl + 1);
    memcpy(out + len, v, vl + 1);
    len += vl;
  }
  return out;
}

/* Lines whose cells are split by tabs (a cell never holds one: commands
 * show it as \t), each column as wide as its widest cell and pad more
 * (min at least); the last cell of a line is not padded. */
static void print_columns(char **lines, size_t pad, size_t min)
{
  size_t width[64] = {0};
  for (char **l = lines; *l; l++) {
    size_t c = 0;
    for (char *cell = *l; cell && c < 64; c++) {
      char *tab = strchr(cell, '\t');
      size_t w = 0;
      for (char *x = cell; *x && x != tab; x++)
        w += ((unsigned char)*x & 0xC0) != 0x80;
      if (tab && w + pad > width[c])
        width[c] = w + pad < min ? min : w + pad;
      cell = tab ? tab + 1 : NULL;
    }
  }
  for (char **l = lines; *l; l++) {
    size_t c = 0;
    for (char *cell = *l; cell; c++) {
      char *tab = strchr(cell, '\t');
      if (tab == NULL || c >= 64) {
        printf("%s\n", cell);
        break;
      }
      size_t w = 0;
      for (char *x = cell; x != tab; x++)
        w += ((unsigned char)*x & 0xC0) != 0x80;
      printf("%.*s%*s", (int)(tab - cell), cell, (int)(width[c] - w), "");
      cell = tab + 1;
    }
  }
}

static int newest_first(const void *a, const void *b)
{
  const struct ps_row *x = a, *y = b;
  return strcmp(y->created_text, x->created_text);
}

/* the images' bytes met so far (an image's size walks its tree) */
struct image_sizes {
  struct {
    const char *name; /* a row's */
    uint64_t bytes;
  } *v;
  size_t n;
};

/* docker's -s: the bytes of the container's layer, and with its image's
 * (virtual) */
static char *size_text(const char *root, const struct ps_row *r, struct image_sizes *sizes)
{
  cleanup_free char *upper = cocin_container_file(root, r->name, "upper");
  uint64_t rw = cocin_dir_size(upper), image = 0;
  size_t k = 0;
  while (k < sizes->n && strcmp(sizes->v[k].name, r->image))
    k++;
  if (k < sizes->n) {
    image = sizes->v[k].bytes;
  } else {
    struct cocin_image_info info;
    image = cocin_image_info(root, r->image, &info, NULL) == 0 ? info.size : 0;
    sizes->v = xrealloc(sizes->v, (sizes->n + 1) * sizeof(*sizes->v));
    sizes->v[sizes->n].name = r->image;
    sizes->v[sizes->n++].bytes = image;
  }
  char a[32], b[32];
  cli_human_size(rw, a, sizeof(a));
  cli_human_size(rw + image, b, sizeof(b));
  return image ? xasprintf("%s (virtual %s)", a, b) : xstrdup(a);
}

/* ID NAME PID STATUS COMMAND CREATED (and SIZE with -s): each column as
 * wide as its widest cell, then two spaces */
static void print_default(struct ps_row *rows, size_t n, bool no_trunc, bool size)
{
  char **lines = xmalloc0((n + 2) * sizeof(char *));
  lines[0] = xstrdup(size ? "ID\tNAME\tPID\tSTATUS\tCOMMAND\tCREATED\tSIZE"
                          : "ID\tNAME\tPID\tSTATUS\tCOMMAND\tCREATED");
  for (size_t i = 0; i < n; i++) {
    struct ps_row *r = &rows[i];
    if (r->corrupt) {
      lines[i + 1] = xasprintf("?\t%s\t-\tunknown (corrupt state)\t\t?", r->name);
      continue;
    }
    cleanup_free char *id = field_value(FD_ID, r, no_trunc);
    cleanup_free char *pid = field_value(FD_PID, r, no_trunc);
    cleanup_free char *cmd = command_cell(r->command, no_trunc ? SIZE_MAX : 24);
    cleanup_free char *created = field_value(FD_RUNNING_FOR, r, no_trunc);
    lines[i + 1] = xasprintf("%s\t%s\t%s\t%s\t%s\t%s%s%s", id, r->name, pid, r->status, cmd,
                             created, size ? "\t" : "", size ? r->size : "");
  }
  print_columns(lines, 2, 0);
  strv_free(lines);
}

int cmd_ps(const char *root, int argc, char **argv)
{
  static const struct cocin_opt t[] = {{'a', "all", OPT_NONE, PS_ALL},
                                       {'q', "quiet", OPT_NONE, PS_QUIET},
                                       {'f', "filter", OPT_REQUIRED, PS_FILTER},
                                       {0, "format", OPT_REQUIRED, PS_FORMAT},
                                       {0, "no-trunc", OPT_NONE, PS_NO_TRUNC},
                                       {'n', "last", OPT_REQUIRED, PS_LAST},
                                       {'l', "latest", OPT_NONE, PS_LATEST},
                                       {'s', "size", OPT_NONE, PS_SIZE},
                                       {0, NULL, OPT_NONE, 0}};
  struct ps_opts p = {.last = -1};
  cleanup_strv char **filter_args = NULL;
  int pos = 0;
  cleanup_error cocin_error_t err = NULL;
  int r = cocin_opts_parse_mixed(t, argc, argv, &pos, ps_opt, &p, "ps", &err);
  filter_args = p.filters;
  if (r < 0)
    return cli_error(&err);
  if (pos < argc)
    return cli_fail("ps: unexpected argument \"%s\"", argv[pos]);
  cleanup_filters struct filters fs = {0};
  cleanup_format struct format fmt = {0};
  if (filters_parse(filter_args, &fs) != 0 || (p.format && format_parse(p.format, &fmt) != 0))
    return 1;
  /* a status or exit code asked for: every container, as docker does;
   * the last created ones too, whatever their state */
  for (size_t i = 0; i < fs.n; i++)
    p.all = p.all || fs.f[i].key == F_STATUS || fs.f[i].key == F_EXITED;
  if (p.latest && p.last < 0)
    p.last = 1;
  p.all = p.all || p.last > 0;
  /* the sizes: asked for, or a format that shows them (docker's rule) */
  p.size = p.size || (p.format && strstr(p.format, ".Size"));

  cleanup_strv char **names = NULL;
  if (cocin_state_list(root, &names, &err) < 0)
    return cli_error(&err);
  size_t n = 0;
  struct ps_row *rows = xmalloc0((strv_len(names) + 1) * sizeof(*rows));
  for (char **nm = names; *nm; nm++) {
    cJSON *cfg = NULL;
    cocin_error_t e = NULL;
    struct ps_row *row = &rows[n];
    if (cocin_state_load(root, *nm, &cfg, &e) < 0) {
      /* an unreadable state (a crash on a filesystem that lost the file's
       * data) is shown with -a, so that `rm -f NAME` is seen to be due;
       * gone meanwhile, nothing */
      if (cocin_error_status(&e) != ENOENT && p.all && !p.quiet && fs.n == 0 && !p.format)
        *row = (struct ps_row){.name = xstrdup(*nm), .created_text = xstrdup(""),
                               .corrupt = true};
      else
        row = NULL;
      cocin_error_release(&e);
      n += row != NULL;
      continue;
    }
    struct cocin_info info;
    cocin_info_from_json(cfg, &info);
    const char *id = cj_str(cfg, "id"), *cmd = cj_str(cfg, "command");
    const char *image = cj_str(cfg, "image"), *created = cj_str(cfg, "createTime");
    *row = (struct ps_row){.id = xstrdup(id ? id : ""),
                           .name = xstrdup(*nm),
                           .image = xstrdup(image ? image : ""),
                           .command = xstrdup(cmd ? cmd : ""),
                           .created_text = xstrdup(created ? created : ""),
                           .status = cocin_status_human(cfg),
                           .state = info.state,
                           .paused = info.paused,
                           .restarting = info.restarting,
                           .health = info.health,
                           .pid = info.pid,
                           .exit_code = info.exit_code,
                           .created = info.created,
                           .ports = ports_text(cfg, &info),
                           .labels = labels_of(cfg)};
    cJSON_Delete(cfg);
    /* (a restarting one too, as docker lists it) */
    if ((!p.all && info.state != COCIN_STATE_RUNNING && !info.restarting) ||
        !filters_match(&fs, row)) {
      row_free(row);
      continue;
    }
    n++;
  }
  /* newest first, as docker lists them */
  qsort(rows, n, sizeof(*rows), newest_first);
  for (; p.last > 0 && n > (size_t)p.last; n--) /* -n N: the N newest that match */
    row_free(&rows[n - 1]);
  if (p.size && !p.quiet) {
    struct image_sizes sizes = {NULL, 0};
    for (size_t i = 0; i < n; i++)
      if (!rows[i].corrupt)
        rows[i].size = size_text(root, &rows[i], &sizes);
    free(sizes.v);
  }
  if (p.quiet) {
    for (size_t i = 0; i < n; i++)
      if (!rows[i].corrupt)
        printf("%.*s\n", p.no_trunc ? 64 : 12, rows[i].id);
  } else if (p.format) {
    cleanup_strv char **lines = xmalloc0((n + 2) * sizeof(char *));
    size_t nl = 0;
    if (fmt.table)
      lines[nl++] = format_row(&fmt, NULL, p.no_trunc, true);
    for (size_t i = 0; i < n; i++)
      lines[nl++] = format_row(&fmt, &rows[i], p.no_trunc, false);
    if (fmt.table)
      print_columns(lines, 3, 10); /* docker's tabwriter */
    else
      for (size_t i = 0; i < nl; i++)
        printf("%s\n", lines[i]);
  } else {
    print_default(rows, n, p.no_trunc, p.size);
  }
  for (size_t i = 0; i < n; i++)
    row_free(&rows[i]);
  free(rows);
  return 0;
}

/* inspect and wait take names only (a name or id never starts with '-') */
static int names_only(const char *verb, int argc, char **argv)
{
  if (argc < 1)
    return cli_fail("%s: requires at least one container name", verb);
  for (int i = 0; i < argc; i++)
    if (argv[i][0] == '-')
      return cli_usage_fail("%s: unknown flag: %s", verb, argv[i]);
  return 0;
}

/* ---- inspect --format: {{.key.key}} and {{json .key}} over config.json -- */

/* The value at a dotted path (".", ".status", ".limits.memory"); NULL if
 * a key along it is missing (Go's templates print "<no value>"). */
static const cJSON *json_at(const cJSON *j, const char *path, size_t len)
{
  if (len == 0 || path[0] != '.')
    return NULL;
  size_t i = 1;
  while (i < len && j) {
    size_t k = i;
    while (k < len && path[k] != '.')
      k++;
    cleanup_free char *key = xstrndup(path + i, k - i);
    j = cJSON_IsObject(j) ? cJSON_GetObjectItemCaseSensitive(j, key) : NULL;
    i = k + 1;
  }
  return j;
}

static void put_value(FILE *out, const cJSON *v, bool as_json)
{
  if (v == NULL) {
    fputs(as_json ? "null" : "<no value>", out);
  } else if (!as_json && cJSON_IsString(v)) {
    fputs(v->valuestring, out);
  } else if (!as_json && cJSON_IsNumber(v) && v->valuedouble == (double)(long long)v->valuedouble) {
    fprintf(out, "%lld", (long long)v->valuedouble);
  } else {
    cleanup_free char *t = cJSON_PrintUnformatted(v);
    fputs(t ? t : "null", out);
  }
}

/* upper: where a path whose first key begins with a capital is looked
 * up (docker's keys, for inspect), or NULL: in cfg like any other */
static int json_format(const char *verb, const char *keys, const char *fmt, const cJSON *cfg,
                       const cJSON *upper, FILE *out)
{
  const char *s = fmt;
  while (*s) {
    const char *a, *b, *end;
    const char *open = next_action(s, &a, &b, &end);
    if (open == NULL) {
      if (out)
        fputs(s, out);
      break;
    }
    if (out)
      fwrite(s, 1, (size_t)(open - s), out);
    if (end == NULL)
      return cli_fail("%s: --format \"%s\": \"{{\" without its \"}}\"", verb, fmt);
    bool as_json = (size_t)(b - a) > 5 && !strncmp(a, "json ", 5);
    if (as_json)
      for (a += 5; a < b && *a == ' '; a++)
        ;
    if (a == b || *a != '.' || memchr(a, ' ', (size_t)(b - a)) || (b - a > 1 && b[-1] == '.'))
      return cli_fail("%s: --format: \"%.*s\": cocin takes {{.KEY[.KEY...]}} and {{json "
                      ".KEY}} (%s)", verb, (int)(end - open - 4), open + 2, keys);
    if (out)
      put_value(out,
                json_at(upper && b - a > 1 && a[1] >= 'A' && a[1] <= 'Z' ? upper : cfg, a,
                        (size_t)(b - a)),
                as_json);
    s = end;
  }
  if (out)
    fputc('\n', out);
  return 0;
}

int cli_json_format(const char *verb, const char *keys, const char *fmt, const cJSON *cfg,
                    FILE *out)
{
  return json_format(verb, keys, fmt, cfg, NULL, out);
}

#define CONFIG_KEYS "the keys of config.json, or docker's: .State.Pid, .Config.Image, ..."

int cmd_inspect(const char *root, int argc, char **argv)
{
  static const struct cocin_opt t[] = {{'f', "format", OPT_REQUIRED, 0},
                                       {0, NULL, OPT_NONE, 0}};
  const char *format = NULL;
  int i = cli_flags("inspect", t, argc, argv, &format);
  if (i < 0)
    return 1;
  if (i == argc)
    return cli_fail("inspect: requires at least one container name");
  if (format && cli_json_format("inspect", CONFIG_KEYS, format, NULL, NULL) != 0)
    return 1;
  int rc = 0;
  for (; i < argc; i++) {
    cJSON *cfg = NULL;
    cleanup_error cocin_error_t err = NULL;
    cleanup_free char *name = cocin_state_resolve(root, argv[i], &err);
    if (name == NULL || cocin_state_load(root, name, &cfg, &err) < 0) {
      rc = cli_error(&err);
      continue;
    }
    if (format) {
      cJSON *docker = cli_docker_view(cfg);
      json_format("inspect", CONFIG_KEYS, format, cfg, docker, stdout);
      cJSON_Delete(docker);
    } else {
      cleanup_free char *text = cJSON_Print(cfg);
      printf("%s\n", text);
    }
    cJSON_Delete(cfg);
  }
  return rc;
}

/* docker's port: "80/tcp -> 0.0.0.0:8080" for each published port of a
 * running container; with PORT[/tcp], that port's host address only */
int cmd_port(const char *root, int argc, char **argv)
{
  for (int i = 0; i < argc; i++)
    if (argv[i][0] == '-')
      return cli_usage_fail("port: unknown flag: %s", argv[i]);
  if (argc < 1 || argc > 2)
    return cli_fail("port: requires a container name, and at most one port");
  long want = 0;
  if (argc == 2) {
    char *end;
    want = strtol(argv[1], &end, 10);
    if (end == argv[1] || want < 1 || want > 65535 || (*end && strcmp(end, "/tcp")))
      return cli_fail("port: invalid port \"%s\": expected PORT or PORT/tcp", argv[1]);
  }
  cJSON *cfg = NULL;
  cleanup_error cocin_error_t err = NULL;
  cleanup_free char *name = cocin_state_resolve(root, argv[0], &err);
  if (name == NULL || cocin_state_load(root, name, &cfg, &err) < 0)
    return cli_error(&err);
  struct cocin_info info;
  cocin_info_from_json(cfg, &info);
  cleanup_free struct cocin_port *ports = NULL;
  size_t n = running_ports(cfg, &info, &ports);
  cJSON_Delete(cfg);
  bool found = false;
  for (size_t i = 0; i < n; i++) {
    const struct cocin_port *p = &ports[i];
    if (want && p->container_port != want)
      continue;
    found = true;
    char ip[INET_ADDRSTRLEN] = "?";
    inet_ntop(AF_INET, &p->host_ip, ip, sizeof(ip));
    for (int v6 = 0; v6 <= (int)p->v6; v6++) { /* IPv4's, then [::]'s */
      const char *addr = v6 ? "[::]" : ip;
      if (want)
        printf("%s:%u\n", addr, (unsigned)p->host_port);
      else
        printf("%u/tcp -> %s:%u\n", (unsigned)p->container_port, addr, (unsigned)p->host_port);
    }
  }
  if (want && !found)
    return cli_fail("port: no public port '%ld/tcp' published for %s", want, argv[0]);
  return 0;
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
