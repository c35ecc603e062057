/* cocin stats [--no-stream] [NAME...] — like docker stats: CPU % over the
 * sampling interval, memory usage / limit, pids; from each container's
 * cgroup.  cocin top NAME — its processes, as docker top lists them. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cocin/cgroup.h"
#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/spec.h"
#include "cocin/state.h"
#include "cocin/util.h"

enum { S_NO_STREAM = 1 };

static int stats_opt(const struct cocin_opt *o, const char *v, void *data, cocin_error_t *err)
{
  *(bool *)data = true;
  return 0;
}

struct sample {
  bool ok;
  struct cocin_cgroup_stats st;
};

static bool sample_one(const char *root, const char *name, struct sample *s)
{
  cJSON *cfg = NULL;
  struct cocin_cgroup *cg = NULL;
  s->ok = false;
  if (cocin_state_load(root, name, &cfg, NULL) < 0)
    return false;
  const cJSON *j = cJSON_GetObjectItemCaseSensitive(cfg, "cgroup");
  if (j && !cJSON_IsNull(j) && cocin_cgroup_from_json(j, &cg, NULL) == 0 && cg)
    s->ok = cocin_cgroup_stats(cg, &s->st, NULL) == 0;
  cocin_cgroup_free(cg);
  cJSON_Delete(cfg);
  return true;
}

static char *human(uint64_t b)
{
  if (b == UINT64_MAX)
    return xstrdup("unlimited");
  const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = (double)b;
  int i = 0;
  while (v >= 1024 && i < 4) {
    v /= 1024;
    i++;
  }
  return xasprintf("%.4g%s", v, u[i]);
}

static void print_table(char **names, const struct sample *a, const struct sample *b,
                        double secs)
{
  printf("%-16s  %7s  %-24s  %7s  %s\n", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "PIDS");
  for (size_t i = 0; names[i]; i++) {
    if (!b[i].ok) {
      printf("%-16s  %7s  %-24s  %7s  %s\n", names[i], "--", "--", "--", "--");
      continue;
    }
    double cpu = 0;
    if (a[i].ok && b[i].st.cpu_usage_ns >= a[i].st.cpu_usage_ns)
      cpu = (double)(b[i].st.cpu_usage_ns - a[i].st.cpu_usage_ns) / (secs * 1e9) * 100.0;
    cleanup_free char *use = human(b[i].st.memory_usage);
    cleanup_free char *lim = human(b[i].st.memory_limit);
    cleanup_free char *mem = xasprintf("%s / %s", use, lim);
    char pct[16] = "--";
    if (b[i].st.memory_limit != UINT64_MAX && b[i].st.memory_limit)
      snprintf(pct, sizeof(pct), "%.2f%%",
               100.0 * (double)b[i].st.memory_usage / (double)b[i].st.memory_limit);
    printf("%-16s  %6.2f%%  %-24s  %7s  %llu\n", names[i], cpu, mem, pct,
           (unsigned long long)b[i].st.pids_current);
  }
  fflush(stdout);
}

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cmd_stats(const char *root, int argc, char **argv)
{
  static const struct cocin_opt t[] = {{0, "no-stream", OPT_NONE, S_NO_STREAM},
                                       {0, NULL, OPT_NONE, 0}};
  bool no_stream = false;
  int pos = 0;
  cleanup_error cocin_error_t err = NULL;
  cleanup_strv char **names = NULL;
  if (cocin_opts_parse_mixed(t, argc, argv, &pos, stats_opt, &no_stream, "stats", &err) < 0)
    return cli_error(&err);
  if (pos < argc) {
    names = xmalloc0(sizeof(char *));
    for (int i = pos; i < argc; i++) {
      cJSON *cfg = NULL;
      cleanup_free char *name = cocin_state_resolve(root, argv[i], &err);
      if (name == NULL || cocin_state_load(root, name, &cfg, &err) < 0)
        return cli_error(&err);
      cJSON_Delete(cfg);
      strv_append(&names, name);
    }
  } else {
    cleanup_strv char **all = NULL;
    if (cocin_state_list(root, &all, &err) < 0)
      return cli_error(&err);
    names = xmalloc0(sizeof(char *));
    for (char **n = all; *n; n++) { /* running ones, like docker */
      cJSON *cfg = NULL;
      if (cocin_state_load(root, *n, &cfg, NULL) < 0)
        continue;
      const char *st = cj_str(cfg, "status");
      if (st && !strcmp(st, "running"))
        strv_append(&names, *n);
      cJSON_Delete(cfg);
    }
  }
  size_t n = strv_len(names);
  cleanup_free struct sample *a = xmalloc0((n + 1) * sizeof(*a));
  cleanup_free struct sample *b = xmalloc0((n + 1) * sizeof(*b));
  for (;;) {
    double t0 = now_s();
    for (size_t i = 0; i < n; i++)
      sample_one(root, names[i], &a[i]);
    struct timespec ts = {0, 500 * 1000 * 1000};
    nanosleep(&ts, NULL);
    for (size_t i = 0; i < n; i++)
      sample_one(root, names[i], &b[i]);
    if (!no_stream)
      printf("\033[2J\033[H");
    print_table(names, a, b, now_s() - t0);
    if (no_stream)
      return 0;
  }
}

/* top and diff: one container's text, from the library */
static int one_text(const char *verb, const char *root, int argc, char **argv,
                    int (*get)(const char *root, const char *name, char **out,
                               cocin_error_t *err))
{
  if (strcmp(verb, "top")) { /* diff has no flag, but reads them anywhere as docker's */
    static const struct cocin_opt none[] = {{0, NULL, OPT_NONE, 0}};
    int pos = cli_flags(verb, none, argc, argv, NULL);
    if (pos < 0)
      return 1;
    argc -= pos;
    argv += pos;
  }
  if (argc < 1)
    return cli_fail("%s: requires exactly one container name", verb);
  if (!strcmp(verb, "top") && argv[0][0] == '-') /* top's words after the name are ps's */
    return cli_usage_fail("%s: unknown flag: %s", verb, argv[0]);
  if (argc > 1) /* docker's top hands these to ps; cocin lists ps -ef's columns only */
    return strcmp(verb, "top") ? cli_fail("%s: requires exactly one container name", verb)
                               : cli_fail("top: ps options are not supported: %s", argv[1]);
  cleanup_error cocin_error_t err = NULL;
  cleanup_free char *name = cocin_state_resolve(root, argv[0], &err);
  cleanup_free char *text = NULL;
  if (name == NULL || get(root, name, &text, &err) < 0)
    return cli_error(&err);
  fputs(text, stdout);
  return 0;
}

int cmd_top(const char *root, int argc, char **argv) { return one_text("top", root, argc, argv, cocin_top); }

int cmd_diff(const char *root, int argc, char **argv)
{
  return one_text("diff", root, argc, argv, cocin_diff);
}
