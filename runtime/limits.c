/* cocin — resource limit flags (docker spelling and units), their JSON form
 * in config.json, and the text form of cgroup statistics. */
#include <ctype.h>
#include <math.h> /* isfinite: a macro, no libm */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cocin/cgroup.h"
#include "cocin/cleanup.h"

#define MIN_MEMORY (6LL * 1024 * 1024) /* docker: "Minimum memory limit allowed is 6MB" */
#define CPU_PERIOD 100000LL
#define MAX_CPUS 8192 /* bitmap size for cpu/node lists */

const char *const cocin_limit_flags[] = {"memory",      "memory-swap", "cpus",       "cpu-period",
                                         "cpu-quota",   "cpu-shares",  "cpuset-cpus", "cpuset-mems",
                                         "pids-limit",  NULL};

/* ---- parsing helpers ---- */

/* Decimal integer, whole string, in [min, max]: 0; not a number at all
 * (or too big for 64 bits, as docker's parser says): NOT_A_NUMBER; a
 * number out of range: 1. */
enum { NOT_A_NUMBER = -1 };
static int parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
  char *end = NULL;
  if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
    return NOT_A_NUMBER;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (end == s || *end != '\0' || errno != 0)
    return NOT_A_NUMBER;
  if (v < min || v > max)
    return 1;
  *out = v;
  return 0;
}

/* The error just set, for a value parse_i64 said why it refused: one that
 * is no number is the flag's, as docker's flag parser refuses it (exit
 * 125); one out of range is the value's (docker's daemon, exit 1). */
static int value_error(cocin_error_t *err, int why)
{
  if (why == NOT_A_NUMBER && err && *err)
    (*err)->usage = 1;
  return -1;
}

/* docker's RAMInBytes: "512k", "64m", "1g", "1.5g", "64mb", "100" (bytes);
 * units b k m g t, case-insensitive, optional trailing b / ib. */
static int parse_size(const char *flag, const char *value, int64_t *out, cocin_error_t *err)
{
  const char *p = value;
  if (*p == '-' || *p == '+') /* (docker's flag parser refuses a sign) */
    return cocin_fail_usage(err, "--%s %s: the size must be a positive number of bytes", flag,
                            value);
  if (!isdigit((unsigned char)*p))
    goto bad;
  char *end = NULL;
  errno = 0;
  double num = strtod(p, &end);
  if (errno != 0 || end == p || !isfinite(num))
    goto bad;
  /* strtod accepts hex and exponents: allow only digits and one dot */
  for (const char *q = p; q < end; q++)
    if (!isdigit((unsigned char)*q) && *q != '.')
      goto bad;
  double mult = 1;
  switch (tolower((unsigned char)*end)) {
  case '\0':
    break;
  case 'b':
    end++;
    break;
  case 'k':
    mult = 1024.0, end++;
    break;
  case 'm':
    mult = 1024.0 * 1024, end++;
    break;
  case 'g':
    mult = 1024.0 * 1024 * 1024, end++;
    break;
  case 't':
    mult = 1024.0 * 1024 * 1024 * 1024, end++;
    break;
  default:
    goto bad;
  }
  if (mult > 1) {
    if (tolower((unsigned char)*end) == 'i')
      end++;
    if (tolower((unsigned char)*end) == 'b')
      end++;
  }
  if (*end != '\0')
    goto bad;
  double bytes = num * mult;
  if (bytes >= 9.2e18) /* (beyond 64 bits: docker's parser refuses it) */
    return cocin_fail_usage(err, "--%s %s: the size is too large", flag, value);
  if (bytes < 1)
    return cocin_fail(err, EINVAL, "--%s %s: the size must be a positive number of bytes", flag,
                      value);
  *out = (int64_t)bytes;
  return 0;
bad: /* the flag's error: docker's parser refuses it (exit 125) */
  return cocin_fail_usage(err,
                          "--%s %s: invalid size (a number with an optional unit b, k, m or g, "
                          "like 512k, 64m, 1g)",
                          flag, value);
}

int cocin_size_parse(const char *flag, const char *value, int64_t *out, cocin_error_t *err)
{
  return parse_size(flag, value, out, err);
}

/* "0-3,5" -> bitmap.  Returns false on syntax errors; *too_big when a number
 * is beyond MAX_CPUS. */
static bool parse_list(const char *s, unsigned char *bits, bool *too_big)
{
  *too_big = false;
  const char *p = s;
  if (*p == '\0')
    return false;
  for (;;) {
    if (!isdigit((unsigned char)*p))
      return false;
    char *end = NULL;
    unsigned long a = strtoul(p, &end, 10), b = a;
    p = end;
    if (*p == '-') {
      p++;
      if (!isdigit((unsigned char)*p))
        return false;
      b = strtoul(p, &end, 10);
      p = end;
      if (b < a)
        return false;
    }
    if (b >= MAX_CPUS) {
      *too_big = true;
      return true;
    }
    for (unsigned long i = a; i <= b; i++)
      bits[i / 8] |= (unsigned char)(1u << (i % 8));
    if (*p == '\0' || *p == '\n')
      return true;
    if (*p != ',')
      return false;
    p++;
  }
}

/* The online CPUs (or memory nodes) of the host, as a list and a bitmap. */
static void read_online(const char *path, const char *fallback, char *list, size_t size,
                        unsigned char *bits)
{
  cleanup_fclose FILE *f = fopen(path, "re");
  list[0] = '\0';
  if (f == NULL || fgets(list, (int)size, f) == NULL)
    snprintf(list, size, "%s", fallback);
  list[strcspn(list, "\n")] = '\0';
  bool too_big;
  memset(bits, 0, MAX_CPUS / 8);
  if (!parse_list(list, bits, &too_big))
    parse_list(fallback, bits, &too_big);
}

static int count_bits(const unsigned char *bits)
{
  int n = 0;
  for (int i = 0; i < MAX_CPUS / 8; i++)
    n += __builtin_popcount(bits[i]);
  return n;
}

static int check_set(const char *flag, const char *value, const char *online_path,
                     const char *what, cocin_error_t *err)
{
  unsigned char want[MAX_CPUS / 8] = {0}, have[MAX_CPUS / 8];
  char online[256];
  bool too_big;
  if (!parse_list(value, want, &too_big))
    return cocin_fail(err, EINVAL, "--%s %s: invalid list (use numbers and ranges like 0-3,5)",
                      flag, value);
  read_online(online_path, "0", online, sizeof(online), have);
  if (too_big)
    return cocin_fail(err, EINVAL, "--%s %s: the host has no such %s (online: %s)", flag, value,
                      what, online);
  for (int i = 0; i < MAX_CPUS; i++)
    if ((want[i / 8] & (1u << (i % 8))) && !(have[i / 8] & (1u << (i % 8))))
      return cocin_fail(err, EINVAL, "--%s %s: %s %d is not available (online: %s)", flag, value,
                        what, i, online);
  return 0;
}

/* ---- one handler per flag ---- */

static int set_memory(struct cocin_limits *l, const char *flag, const char *value,
                      cocin_error_t *err)
{
  int64_t v = 0;
  if (parse_size(flag, value, &v, err) < 0)
    return -1;
  if (v < MIN_MEMORY)
    return cocin_fail(err, EINVAL, "--%s %s: Minimum memory limit allowed is 6MB", flag, value);
  l->memory = v;
  return 0;
}

static int set_memory_swap(struct cocin_limits *l, const char *flag, const char *value,
                           cocin_error_t *err)
{
  int64_t v = 0;
  if (strcmp(value, "-1") == 0) {
    l->memory_swap = -1;
    return 0;
  }
  if (parse_size(flag, value, &v, err) < 0)
    return -1;
  l->memory_swap = v;
  return 0;
}

static int set_cpus(struct cocin_limits *l, const char *flag, const char *value,
                    cocin_error_t *err)
{
  char *end = NULL;
  errno = 0;
  double v = strtod(value, &end);
  for (const char *q = value; end && q < end; q++)
    if (!isdigit((unsigned char)*q) && *q != '.' && !(q == value && *q == '-'))
      end = NULL;
  if (end == NULL || end == value || *end != '\0' || errno != 0 || !isfinite(v))
    return cocin_fail_usage(err, "--%s %s: not a number of CPUs (like 0.5 or 2)", flag, value);
  if (v <= 0)
    return cocin_fail(err, EINVAL, "--%s %s: the number of CPUs must be greater than 0", flag,
                      value);
  unsigned char bits[MAX_CPUS / 8];
  char online[256];
  read_online("/sys/devices/system/cpu/online", "0", online, sizeof(online), bits);
  int ncpu = count_bits(bits);
  /* a quota of at least 1000 us once rounded; v is bounded before the cast */
  if (v > ncpu || v * (double)CPU_PERIOD < 999.5)
    return cocin_fail(err, EINVAL,
                      "--%s %s: range of CPUs is from 0.01 to %d.00, as there are only %d CPUs "
                      "available",
                      flag, value, ncpu, ncpu);
  l->cpu_quota = (int64_t)(v * (double)CPU_PERIOD + 0.5);
  l->cpu_period = CPU_PERIOD;
  l->cpu_given |= COCIN_CPU_GIVEN_CPUS;
  return 0;
}

/* --cpu-period US: the CFS period (docker's bounds, 1 ms to 1 s); alone,
 * with no quota (-1: none, the kernel's default) */
static int set_cpu_period(struct cocin_limits *l, const char *flag, const char *value,
                          cocin_error_t *err)
{
  int64_t v;
  int why = parse_i64(value, 1000, 1000000, &v);
  if (why) {
    cocin_fail(err, EINVAL,
               "--%s %s: the CPU period is from 1000 (1 ms) to 1000000 (1 s) microseconds", flag,
               value);
    return value_error(err, why);
  }
  l->cpu_period = v;
  if (l->cpu_quota == 0)
    l->cpu_quota = -1;
  l->cpu_given |= COCIN_CPU_GIVEN_PERIOD;
  return 0;
}

/* --cpu-quota US: CPU time per period (at least 1 ms; -1: no limit),
 * over the kernel's period of 100 ms unless --cpu-period says */
static int set_cpu_quota(struct cocin_limits *l, const char *flag, const char *value,
                         cocin_error_t *err)
{
  int64_t v;
  int why = strcmp(value, "-1") ? parse_i64(value, 1000, 1000000000000LL, &v) : 0;
  if (why) {
    cocin_fail(err, EINVAL,
               "--%s %s: the CPU quota is from 1000 (1 ms) to 1000000000000 microseconds, or -1 "
               "for no limit",
               flag, value);
    return value_error(err, why);
  }
  l->cpu_quota = strcmp(value, "-1") ? v : -1;
  if (l->cpu_period == 0)
    l->cpu_period = CPU_PERIOD;
  l->cpu_given |= COCIN_CPU_GIVEN_QUOTA;
  return 0;
}

static int set_cpu_shares(struct cocin_limits *l, const char *flag, const char *value,
                          cocin_error_t *err)
{
  int64_t v;
  int why = parse_i64(value, 2, 262144, &v);
  if (why) {
    cocin_fail(err, EINVAL, "--%s %s: must be a number from 2 to 262144 (default 1024)", flag,
               value);
    return value_error(err, why);
  }
  l->cpu_shares = v;
  return 0;
}

static int set_cpuset_cpus(struct cocin_limits *l, const char *flag, const char *value,
                           cocin_error_t *err)
{
  if (check_set(flag, value, "/sys/devices/system/cpu/online", "CPU", err) < 0)
    return -1;
  free(l->cpuset_cpus);
  l->cpuset_cpus = strdup(value);
  return l->cpuset_cpus ? 0 : cocin_fail_errno(err, "--%s", flag);
}

static int set_cpuset_mems(struct cocin_limits *l, const char *flag, const char *value,
                           cocin_error_t *err)
{
  if (check_set(flag, value, "/sys/devices/system/node/online", "memory node", err) < 0)
    return -1;
  free(l->cpuset_mems);
  l->cpuset_mems = strdup(value);
  return l->cpuset_mems ? 0 : cocin_fail_errno(err, "--%s", flag);
}

static int set_pids_limit(struct cocin_limits *l, const char *flag, const char *value,
                          cocin_error_t *err)
{
  int64_t v;
  if (strcmp(value, "-1") == 0) {
    l->pids_limit = -1;
    return 0;
  }
  int why = parse_i64(value, 1, INT64_MAX, &v);
  if (why) {
    cocin_fail(err, EINVAL, "--%s %s: must be a positive number, or -1 for unlimited", flag,
               value);
    return value_error(err, why);
  }
  if (v > 4194304) /* PID_MAX_LIMIT: the kernel takes no more */
    return cocin_fail(err, EINVAL, "--%s %s: at most 4194304 (the kernel's most pids), or -1",
                      flag, value);
  l->pids_limit = v;
  return 0;
}

static const struct {
  const char *flag;
  int (*set)(struct cocin_limits *, const char *, const char *, cocin_error_t *);
} flag_table[] = {
    {"memory", set_memory},           {"m", set_memory},
    {"memory-swap", set_memory_swap}, {"cpus", set_cpus},
    {"cpu-period", set_cpu_period},   {"cpu-quota", set_cpu_quota},
    {"cpu-shares", set_cpu_shares},   {"cpuset-cpus", set_cpuset_cpus},
    {"cpuset-mems", set_cpuset_mems}, {"pids-limit", set_pids_limit},
};

int cocin_limits_set(struct cocin_limits *l, const char *flag, const char *value,
                     cocin_error_t *err)
{
  if (flag == NULL)
    return cocin_fail(err, EINVAL, "missing limit flag");
  while (*flag == '-')
    flag++;
  for (size_t i = 0; i < sizeof(flag_table) / sizeof(flag_table[0]); i++) {
    if (strcmp(flag, flag_table[i].flag) != 0)
      continue;
    const char *name = strcmp(flag, "m") == 0 ? "memory" : flag;
    if (value == NULL || *value == '\0') /* (the flag's error, as docker's parser says it) */
      return cocin_fail_usage(err, "--%s needs a value", name);
    return flag_table[i].set(l, name, value, err);
  }
  return cocin_fail(err, EINVAL, "unknown resource limit flag --%s", flag);
}

const char *cocin_limits_cpu_flag(const struct cocin_limits *l)
{
  return (l->cpu_given & COCIN_CPU_GIVEN_CPUS) || !l->cpu_given ? "cpus"
                                                                : "cpu-quota/--cpu-period";
}

int cocin_limits_check_cpu(const struct cocin_limits *l, cocin_error_t *err)
{
  if ((l->cpu_given & COCIN_CPU_GIVEN_CPUS) &&
      (l->cpu_given & (COCIN_CPU_GIVEN_PERIOD | COCIN_CPU_GIVEN_QUOTA))) /* docker's rule */
    return cocin_fail(err, EINVAL,
                      "conflicting options: --cpus and --cpu-period or --cpu-quota cannot both be "
                      "set");
  return 0;
}

int cocin_limits_check(const struct cocin_limits *l, cocin_error_t *err)
{
  if (l->memory_swap != 0 && l->memory == 0)
    return cocin_fail(err, EINVAL,
                      "--memory-swap: you should always set the memory limit (-m) when using "
                      "the memory-swap limit");
  if (l->memory_swap > 0 && l->memory_swap < l->memory)
    return cocin_fail(err, EINVAL,
                      "--memory-swap %" PRId64 ": the memory+swap limit must be larger than or "
                      "equal to the memory limit (%" PRId64 "), or -1 for unlimited swap",
                      l->memory_swap, l->memory);
  if (cocin_limits_check_cpu(l, err) < 0)
    return -1;
  if ((l->cpu_quota != 0) != (l->cpu_period != 0))
    return cocin_fail(err, EINVAL, "cpu quota and period must be set together");
  return 0;
}

void cocin_limits_free(struct cocin_limits *l)
{
  if (l == NULL)
    return;
  free(l->cpuset_cpus);
  free(l->cpuset_mems);
  memset(l, 0, sizeof(*l));
}

bool cocin_limits_any(const struct cocin_limits *l)
{
  return l->memory || l->memory_swap || l->cpu_quota || l->cpu_shares || l->cpuset_cpus ||
         l->cpuset_mems || l->pids_limit;
}

/* ---- JSON: an object with only the keys that are set ---- */

static const struct {
  const char *key;
  size_t off;
} num_keys[] = {
    {"memory", offsetof(struct cocin_limits, memory)},
    {"memorySwap", offsetof(struct cocin_limits, memory_swap)},
    {"cpuQuota", offsetof(struct cocin_limits, cpu_quota)},
    {"cpuPeriod", offsetof(struct cocin_limits, cpu_period)},
    {"cpuShares", offsetof(struct cocin_limits, cpu_shares)},
    {"pidsLimit", offsetof(struct cocin_limits, pids_limit)},
};

cJSON *cocin_limits_to_json(const struct cocin_limits *l)
{
  cJSON *j = cJSON_CreateObject();
  if (j == NULL)
    abort();
  for (size_t i = 0; i < sizeof(num_keys) / sizeof(num_keys[0]); i++) {
    int64_t v = *(const int64_t *)((const char *)l + num_keys[i].off);
    if (v != 0)
      cJSON_AddNumberToObject(j, num_keys[i].key, (double)v);
  }
  if (l->cpuset_cpus)
    cJSON_AddStringToObject(j, "cpusetCpus", l->cpuset_cpus);
  if (l->cpuset_mems)
    cJSON_AddStringToObject(j, "cpusetMems", l->cpuset_mems);
  if (l->devices_unrestricted)
    cJSON_AddBoolToObject(j, "devicesUnrestricted", 1);
  if ((l->cpu_given & COCIN_CPU_GIVEN_CPUS) && l->cpu_quota)
    cJSON_AddBoolToObject(j, "cpus", 1);
  return j;
}

static int str_from_json(const cJSON *j, const char *key, char **out, cocin_error_t *err)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
  if (v == NULL)
    return 0;
  if (!cJSON_IsString(v))
    return cocin_fail(err, EINVAL, "limits: \"%s\" must be a string", key);
  *out = strdup(v->valuestring);
  return *out ? 0 : cocin_fail_errno(err, "limits");
}

int cocin_limits_from_json(const cJSON *j, struct cocin_limits *l, cocin_error_t *err)
{
  memset(l, 0, sizeof(*l));
  if (j == NULL || cJSON_IsNull(j))
    return 0;
  if (!cJSON_IsObject(j))
    return cocin_fail(err, EINVAL, "limits: not a JSON object");
  for (size_t i = 0; i < sizeof(num_keys) / sizeof(num_keys[0]); i++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, num_keys[i].key);
    if (v == NULL)
      continue;
    /* an integer in [-1, 9.2e18] (the range first: then the cast is defined) */
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= -1 && v->valuedouble <= 9.2e18) ||
        (double)(int64_t)v->valuedouble != v->valuedouble) {
      cocin_limits_free(l);
      return cocin_fail(err, EINVAL, "limits: \"%s\" must be an integer", num_keys[i].key);
    }
    *(int64_t *)((char *)l + num_keys[i].off) = (int64_t)v->valuedouble;
  }
  if (str_from_json(j, "cpusetCpus", &l->cpuset_cpus, err) < 0 ||
      str_from_json(j, "cpusetMems", &l->cpuset_mems, err) < 0) {
    cocin_limits_free(l);
    return -1;
  }
  l->devices_unrestricted = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "devicesUnrestricted"));
  if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "cpus")))
    l->cpu_given = COCIN_CPU_GIVEN_CPUS;
  return 0;
}

/* ---- stats as text ---- */

static void fmt_u64(char *buf, size_t size, uint64_t v)
{
  if (v == UINT64_MAX)
    snprintf(buf, size, "max");
  else
    snprintf(buf, size, "%" PRIu64, v);
}

char *cocin_cgroup_stats_format(const struct cocin_cgroup_stats *st)
{
  char mlimit[32], plimit[32];
  char *out = NULL;
  fmt_u64(mlimit, sizeof(mlimit), st->memory_limit);
  fmt_u64(plimit, sizeof(plimit), st->pids_limit);
  if (asprintf(&out,
               "memory_usage %" PRIu64 "\nmemory_limit %s\ncpu_usage_ns %" PRIu64
               "\npids_current %" PRIu64 "\npids_limit %s\noom_killed %d\n",
               st->memory_usage, mlimit, st->cpu_usage_ns, st->pids_current, plimit,
               st->oom_killed ? 1 : 0) < 0)
    abort();
  return out;
}
