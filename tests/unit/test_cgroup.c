/* Unit tests of the cgroup layer: the limit flags (every bad input gets a
 * clear message), their JSON form, the stats text, and both backends
 * against a fake cgroup root directory (COCIN_CGROUP_MODE forces the mode):
 * exactly which files get which values. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cocin/cgroup.h"
#include "cocin/cleanup.h"
#include "tap.h"

static char root[256];

static void put(const char *rel, const char *val)
{
  char p[512];
  snprintf(p, sizeof(p), "%s/%s", root, rel);
  FILE *f = fopen(p, "w");
  if (f) {
    fputs(val, f);
    fclose(f);
  }
}

/* Content of root/rel without the trailing newline ("<missing>" if absent). */
static const char *get(const char *rel)
{
  static char buf[4096];
  char p[512];
  snprintf(p, sizeof(p), "%s/%s", root, rel);
  FILE *f = fopen(p, "r");
  if (f == NULL)
    return "<missing>";
  size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  fclose(f);
  buf[n] = '\0';
  buf[strcspn(buf, "\n")] = '\0';
  return buf;
}

static bool exists(const char *rel)
{
  char p[512];
  snprintf(p, sizeof(p), "%s/%s", root, rel);
  return access(p, F_OK) == 0;
}

static void mk(const char *rel)
{
  char p[512];
  snprintf(p, sizeof(p), "%s/%s", root, rel);
  mkdir(p, 0755);
}

static void fresh_root(void)
{
  if (root[0]) {
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    if (system(cmd) != 0)
      fprintf(stderr, "cleanup of %s failed\n", root);
  }
  snprintf(root, sizeof(root), "/tmp/cocin-cgtest.XXXXXX");
  if (mkdtemp(root) == NULL)
    abort();
  setenv("COCIN_CGROUP_ROOT", root, 1);
}

/* Set one flag; returns the error message (static) or NULL on success. */
static const char *set(struct cocin_limits *l, const char *flag, const char *value)
{
  static char msg[512];
  cleanup_error cocin_error_t err = NULL;
  if (cocin_limits_set(l, flag, value, &err) == 0)
    return NULL;
  snprintf(msg, sizeof(msg), "%s", cocin_error_msg(&err));
  return cocin_error_status(&err) == EINVAL ? msg : "<not EINVAL>";
}

static void test_sizes(void)
{
  struct cocin_limits l = {0};
  /* 512k parses, but is below docker's minimum */
  const char *m = set(&l, "memory", "512k");
  CHECK(m && strstr(m, "--memory 512k") && strstr(m, "Minimum memory limit allowed is 6MB"),
        "memory 512k refused: %s", m ? m : "accepted");
  CHECK(set(&l, "memory", "64m") == NULL && l.memory == 64LL << 20, "memory 64m");
  CHECK(set(&l, "memory", "1g") == NULL && l.memory == 1LL << 30, "memory 1g");
  CHECK(set(&l, "memory", "1G") == NULL && l.memory == 1LL << 30, "memory 1G (case)");
  CHECK(set(&l, "memory", "64MB") == NULL && l.memory == 64LL << 20, "memory 64MB");
  CHECK(set(&l, "memory", "1.5g") == NULL && l.memory == 3LL << 29, "memory 1.5g");
  CHECK(set(&l, "memory", "20971520") == NULL && l.memory == 20971520, "memory in bytes");
  CHECK(set(&l, "m", "7m") == NULL && l.memory == 7LL << 20, "-m alias");
  CHECK(set(&l, "--memory", "8m") == NULL && l.memory == 8LL << 20, "leading dashes accepted");
  CHECK(set(&l, "memory", "6m") == NULL, "6m is the minimum and accepted");

  static const char *const bad[] = {"10x", "-1", "0", "abc", "", "1e9", "0x10", "5m", "1m",
                                    "64 m", "m", "1.2.3g", "99999999999t", NULL};
  for (const char *const *b = bad; *b; b++) {
    struct cocin_limits z = {0};
    m = set(&z, "memory", *b);
    char want[64];
    snprintf(want, sizeof(want), "--memory %s", *b);
    CHECK(m && (**b == '\0' || strstr(m, want)) && z.memory == 0, "-m '%s' refused: %s", *b,
          m ? m : "accepted");
  }
  m = set(&l, "memory", "10x");
  CHECK(m && strstr(m, "invalid size"), "-m 10x says invalid size: %s", m);
  m = set(&l, "memory", "-1");
  CHECK(m && strstr(m, "positive"), "-m -1 says positive: %s", m);
  m = set(&l, "memory", "0");
  CHECK(m && strstr(m, "positive"), "-m 0 says positive: %s", m);
}

static void test_cpu_period_quota(void)
{
  struct cocin_limits l = {0};
  CHECK(set(&l, "cpu-quota", "50000") == NULL && l.cpu_quota == 50000 && l.cpu_period == 100000,
        "--cpu-quota alone: the kernel's period, 100000");
  CHECK(set(&l, "cpu-period", "20000") == NULL && l.cpu_quota == 50000 && l.cpu_period == 20000,
        "--cpu-period after it: the quota kept");
  CHECK(cocin_limits_check(&l, NULL) == 0, "--cpu-quota with --cpu-period: checked");
  struct cocin_limits p = {0};
  CHECK(set(&p, "cpu-period", "20000") == NULL && p.cpu_quota == -1 && p.cpu_period == 20000,
        "--cpu-period alone: no quota (-1)");
  CHECK(set(&p, "cpu-quota", "-1") == NULL && p.cpu_quota == -1, "--cpu-quota -1: no limit");
  static const char *const badp[] = {"999", "1000001", "-1", "abc", "", "1e4", NULL};
  for (const char *const *b = badp; *b; b++) {
    struct cocin_limits z = {0};
    const char *m = set(&z, "cpu-period", *b);
    CHECK(m && z.cpu_period == 0, "--cpu-period '%s' refused: %s", *b, m ? m : "accepted");
  }
  static const char *const badq[] = {"999", "0", "-2", "abc", "", "1000000000001", NULL};
  for (const char *const *b = badq; *b; b++) {
    struct cocin_limits z = {0};
    const char *m = set(&z, "cpu-quota", *b);
    CHECK(m && z.cpu_quota == 0, "--cpu-quota '%s' refused: %s", *b, m ? m : "accepted");
  }
  struct cocin_limits c = {0};
  set(&c, "cpus", "1");
  set(&c, "cpu-quota", "20000");
  cocin_error_t err = NULL;
  CHECK(cocin_limits_check(&c, &err) < 0 && strstr(cocin_error_msg(&err), "conflicting options"),
        "--cpus with --cpu-quota refused: %s", err ? cocin_error_msg(&err) : "accepted");
  cocin_error_release(&err);
}

static void test_other_flags(void)
{
  struct cocin_limits l = {0};
  CHECK(set(&l, "cpus", "0.5") == NULL && l.cpu_quota == 50000 && l.cpu_period == 100000,
        "--cpus 0.5 -> 50000/100000");
  CHECK(set(&l, "cpus", "1") == NULL && l.cpu_quota == 100000, "--cpus 1");
  const char *m;
  static const char *const badcpus[] = {"0", "abc", "-1", "0.001", "99999", "1e3", "", NULL};
  for (const char *const *b = badcpus; *b; b++) {
    struct cocin_limits z = {0};
    m = set(&z, "cpus", *b);
    CHECK(m && z.cpu_quota == 0, "--cpus '%s' refused: %s", *b, m ? m : "accepted");
  }
  m = set(&l, "cpus", "0");
  CHECK(m && strstr(m, "--cpus 0") && strstr(m, "greater than 0"), "--cpus 0 message: %s", m);
  m = set(&l, "cpus", "abc");
  CHECK(m && strstr(m, "--cpus abc") && strstr(m, "not a number"), "--cpus abc message: %s", m);

  CHECK(set(&l, "cpu-shares", "512") == NULL && l.cpu_shares == 512, "--cpu-shares 512");
  CHECK(set(&l, "cpu-shares", "1") != NULL, "--cpu-shares 1 refused");
  CHECK(set(&l, "cpu-shares", "x") != NULL, "--cpu-shares x refused");
  CHECK(set(&l, "cpu-shares", "300000") != NULL, "--cpu-shares 300000 refused");

  CHECK(set(&l, "cpuset-cpus", "0") == NULL && strcmp(l.cpuset_cpus, "0") == 0,
        "--cpuset-cpus 0");
  static const char *const badsets[] = {"9999", "99999", "1-0", "a", "0,,1", "0-", "-1", "",
                                        "0 1", NULL};
  for (const char *const *b = badsets; *b; b++) {
    struct cocin_limits z = {0};
    m = set(&z, "cpuset-cpus", *b);
    CHECK(m && z.cpuset_cpus == NULL, "--cpuset-cpus '%s' refused: %s", *b, m ? m : "accepted");
  }
  m = set(&l, "cpuset-cpus", "9999");
  CHECK(m && strstr(m, "--cpuset-cpus 9999") && strstr(m, "online"),
        "--cpuset-cpus 9999 names the online CPUs: %s", m);
  CHECK(set(&l, "cpuset-mems", "0") == NULL && strcmp(l.cpuset_mems, "0") == 0,
        "--cpuset-mems 0");
  CHECK(set(&l, "cpuset-mems", "999") != NULL, "--cpuset-mems 999 refused");

  CHECK(set(&l, "pids-limit", "20") == NULL && l.pids_limit == 20, "--pids-limit 20");
  CHECK(set(&l, "pids-limit", "-1") == NULL && l.pids_limit == -1, "--pids-limit -1 unlimited");
  m = set(&l, "pids-limit", "0");
  CHECK(m && strstr(m, "--pids-limit 0"), "--pids-limit 0 refused: %s", m ? m : "accepted");
  CHECK(set(&l, "pids-limit", "x") != NULL, "--pids-limit x refused");

  CHECK(set(&l, "memory-swap", "-1") == NULL && l.memory_swap == -1, "--memory-swap -1");
  CHECK(set(&l, "memory-swap", "128m") == NULL && l.memory_swap == 128LL << 20,
        "--memory-swap 128m");
  CHECK(set(&l, "memory-swap", "-2") != NULL, "--memory-swap -2 refused");
  m = set(&l, "bogus", "1");
  CHECK(m && strstr(m, "--bogus"), "unknown flag refused: %s", m ? m : "accepted");
  CHECK(set(&l, "memory", NULL) != NULL, "missing value refused");
  cocin_limits_free(&l);

  /* every advertised flag is accepted by cocin_limits_set */
  for (const char *const *f = cocin_limit_flags; *f; f++) {
    struct cocin_limits z = {0};
    m = set(&z, *f, "zzz");
    CHECK(m && !strstr(m, "unknown"), "flag --%s is handled", *f);
  }
}

static void test_check(void)
{
  struct cocin_limits l = {0};
  cocin_error_t err = NULL;
  l.memory_swap = 64 << 20;
  CHECK(cocin_limits_check(&l, &err) < 0 && strstr(cocin_error_msg(&err), "memory"),
        "--memory-swap without -m refused: %s", cocin_error_msg(&err));
  cocin_error_release(&err);
  l.memory = 128 << 20;
  CHECK(cocin_limits_check(&l, &err) < 0, "--memory-swap below -m refused: %s",
        cocin_error_msg(&err));
  cocin_error_release(&err);
  l.memory_swap = 256 << 20;
  CHECK(cocin_limits_check(&l, &err) == 0, "--memory-swap above -m accepted");
  l.memory_swap = -1;
  CHECK(cocin_limits_check(&l, &err) == 0, "--memory-swap -1 accepted");
  CHECK(cocin_limits_any(&l), "limits_any");
  struct cocin_limits z = {0};
  CHECK(!cocin_limits_any(&z), "limits_any of nothing");
}

static void test_json(void)
{
  struct cocin_limits l = {0}, back;
  cocin_error_t err = NULL;
  cJSON *j = cocin_limits_to_json(&l);
  char *s = cJSON_PrintUnformatted(j);
  CHECK(strcmp(s, "{}") == 0, "no limits -> {} (%s)", s);
  free(s);
  cJSON_Delete(j);

  set(&l, "memory", "20m");
  set(&l, "memory-swap", "-1");
  set(&l, "cpus", "0.5");
  set(&l, "cpu-shares", "512");
  set(&l, "cpuset-cpus", "0");
  set(&l, "pids-limit", "20");
  l.devices_unrestricted = true;
  j = cocin_limits_to_json(&l);
  s = cJSON_PrintUnformatted(j);
  CHECK(strstr(s, "\"memory\":20971520") && strstr(s, "\"cpusetCpus\":\"0\"") &&
            !strstr(s, "cpusetMems") && strstr(s, "\"cpus\":true"),
        "json has the set keys only (and that --cpus set the quota): %s", s);
  free(s);
  CHECK(cocin_limits_from_json(j, &back, &err) == 0 && back.memory == l.memory &&
            back.memory_swap == -1 && back.cpu_quota == 50000 && back.cpu_period == 100000 &&
            back.cpu_shares == 512 && strcmp(back.cpuset_cpus, "0") == 0 &&
            back.cpuset_mems == NULL && back.pids_limit == 20 && back.devices_unrestricted &&
            back.cpu_given == COCIN_CPU_GIVEN_CPUS,
        "json round trip");
  cocin_limits_free(&back);
  cJSON_Delete(j);
  cocin_limits_free(&l);
  /* --cpu-quota: no "cpus" kept */
  struct cocin_limits q = {0};
  set(&q, "cpu-quota", "30000");
  j = cocin_limits_to_json(&q);
  CHECK(cocin_limits_from_json(j, &back, &err) == 0 && back.cpu_quota == 30000 &&
            back.cpu_given == 0 && !cJSON_GetObjectItemCaseSensitive(j, "cpus"),
        "json of --cpu-quota: not --cpus");
  cocin_limits_free(&back);
  cJSON_Delete(j);
  cocin_limits_free(&q);

  j = cJSON_Parse("{\"memory\":\"lots\"}");
  CHECK(cocin_limits_from_json(j, &back, &err) < 0 && cocin_error_status(&err) == EINVAL,
        "json with a wrong type refused: %s", cocin_error_msg(&err));
  cocin_error_release(&err);
  cJSON_Delete(j);
  CHECK(cocin_limits_from_json(NULL, &back, &err) == 0 && !cocin_limits_any(&back),
        "no json -> no limits");
}

static void test_stats_format(void)
{
  struct cocin_cgroup_stats st = {1234, 20971520, 5000, 3, UINT64_MAX, true};
  char *s = cocin_cgroup_stats_format(&st);
  CHECK(strcmp(s, "memory_usage 1234\nmemory_limit 20971520\ncpu_usage_ns 5000\n"
                  "pids_current 3\npids_limit max\noom_killed 1\n") == 0,
        "stats text (%zu bytes)", strlen(s));
  free(s);
}

static struct cocin_cgroup *create(const char *name, const char *parent,
                                   const struct cocin_limits *l, cocin_error_t *err)
{
  struct cocin_cgroup *cg = NULL;
  if (cocin_cgroup_create(name, parent, l, &cg, err) < 0)
    return NULL;
  return cg;
}

static void full_limits(struct cocin_limits *l)
{
  memset(l, 0, sizeof(*l));
  set(l, "memory", "64m");
  set(l, "memory-swap", "128m");
  set(l, "cpus", "0.5");
  set(l, "cpu-shares", "512");
  set(l, "cpuset-cpus", "0");
  set(l, "cpuset-mems", "0");
  set(l, "pids-limit", "20");
}

static void test_v2(void)
{
  struct cocin_limits l;
  cocin_error_t err = NULL;
  fresh_root();
  setenv("COCIN_CGROUP_MODE", "v2", 1);
  enum cocin_cgroup_mode mode = 0;
  CHECK(cocin_cgroup_detect(NULL, &mode, &err) == 0 && mode == COCIN_CGROUP_UNIFIED,
        "v2: forced mode detected");
  put("cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
  put("cgroup.subtree_control", "");
  full_limits(&l);
  struct cocin_cgroup *cg = create("c1", "/", &l, &err);
  CHECK(cg != NULL, "v2: create with every limit: %s", cg ? "ok" : cocin_error_msg(&err));
  cocin_error_release(&err);
  CHECK(strcmp(get("cgroup.subtree_control"), "+cpu +cpuset +memory +pids") == 0,
        "v2: controllers enabled at the root: [%s]", get("cgroup.subtree_control"));
  CHECK(strcmp(get("cocin/cgroup.subtree_control"), "+cpu +cpuset +memory +pids") == 0,
        "v2: controllers enabled in cocin/: [%s]", get("cocin/cgroup.subtree_control"));
  CHECK(!exists("cocin/c1/cgroup.subtree_control"), "v2: nothing enabled in the leaf");
  CHECK(strcmp(get("cocin/c1/memory.max"), "67108864") == 0, "v2: memory.max [%s]",
        get("cocin/c1/memory.max"));
  CHECK(strcmp(get("cocin/c1/memory.swap.max"), "67108864") == 0,
        "v2: memory.swap.max = swap - memory [%s]", get("cocin/c1/memory.swap.max"));
  CHECK(strcmp(get("cocin/c1/cpu.max"), "50000 100000") == 0, "v2: cpu.max [%s]",
        get("cocin/c1/cpu.max"));
  CHECK(strcmp(get("cocin/c1/cpu.weight"), "20") == 0, "v2: shares 512 -> weight 20 [%s]",
        get("cocin/c1/cpu.weight"));
  CHECK(strcmp(get("cocin/c1/cpuset.cpus"), "0") == 0, "v2: cpuset.cpus");
  CHECK(strcmp(get("cocin/c1/cpuset.mems"), "0") == 0, "v2: cpuset.mems");
  CHECK(strcmp(get("cocin/c1/pids.max"), "20") == 0, "v2: pids.max");
  char want[512];
  snprintf(want, sizeof(want), "%s/cocin/c1", root);
  CHECK(cocin_cgroup_path(cg, "memory") && strcmp(cocin_cgroup_path(cg, "memory"), want) == 0,
        "v2: cocin_cgroup_path");

  CHECK(cocin_cgroup_enter(cg, 0, &err) == 0 && strcmp(get("cocin/c1/cgroup.procs"), "0") == 0,
        "v2: enter writes 0 to cgroup.procs");

  /* re-open from JSON */
  cJSON *j = cocin_cgroup_to_json(cg);
  struct cocin_cgroup *cg2 = NULL;
  CHECK(cocin_cgroup_from_json(j, &cg2, &err) == 0 && cg2 &&
            strcmp(cocin_cgroup_path(cg2, NULL), want) == 0,
        "v2: json round trip");
  cJSON_Delete(j);

  /* stats from the v2 files */
  put("cocin/c1/memory.current", "1000\n");
  put("cocin/c1/memory.stat", "anon 800\nfile 200\ninactive_file 100\nactive_file 100\n");
  put("cocin/c1/memory.max", "max\n");
  put("cocin/c1/memory.events", "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\noom_group_kill 0\n");
  put("cocin/c1/cpu.stat", "usage_usec 5\nuser_usec 3\nsystem_usec 2\n");
  put("cocin/c1/pids.current", "3\n");
  put("cocin/c1/pids.max", "20\n");
  struct cocin_cgroup_stats st;
  CHECK(cocin_cgroup_stats(cg2, &st, &err) == 0 && st.memory_usage == 900 &&
            st.memory_limit == UINT64_MAX && st.cpu_usage_ns == 5000 && st.pids_current == 3 &&
            st.pids_limit == 20 && st.oom_killed,
        "v2: stats (usage %llu limit %llu cpu %llu pids %llu/%llu oom %d)",
        (unsigned long long)st.memory_usage, (unsigned long long)st.memory_limit,
        (unsigned long long)st.cpu_usage_ns, (unsigned long long)st.pids_current,
        (unsigned long long)st.pids_limit, st.oom_killed);
  put("cocin/c1/memory.events", "low 0\nhigh 0\nmax 4\noom 1\noom_kill 0\n");
  CHECK(cocin_cgroup_stats(cg2, &st, &err) == 0 && !st.oom_killed,
        "v2: oom_killed only from oom_kill");

  /* kill every pid listed in cgroup.procs */
  pid_t child = fork();
  if (child == 0) {
    pause();
    _exit(0);
  }
  char pid[32];
  snprintf(pid, sizeof(pid), "%d\n", (int)child);
  put("cocin/c1/cgroup.procs", pid);
  int status = 0;
  CHECK(cocin_cgroup_kill(cg2, SIGTERM, &err) == 0 && waitpid(child, &status, 0) == child &&
            WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM,
        "v2: kill signals the processes in cgroup.procs");
  put("cocin/c1/cgroup.procs", "");
  put("cocin/c1/cgroup.kill", "");
  CHECK(cocin_cgroup_kill(cg2, SIGKILL, &err) == 0 && strcmp(get("cocin/c1/cgroup.kill"), "1") == 0,
        "v2: SIGKILL uses cgroup.kill when present");

  CHECK(cocin_cgroup_destroy(cg2, &err) == 0 && !exists("cocin/c1") && !exists("cocin") &&
            exists("cgroup.controllers"),
        "v2: destroy removes the cgroup and the empty cocin/ dir: %s",
        err ? cocin_error_msg(&err) : "ok");
  cocin_error_release(&err);
  cocin_cgroup_free(cg);
  cocin_cgroup_free(cg2);
  cocin_limits_free(&l);

  /* shares 1024 -> weight 39 (crun), default limits enable memory+pids */
  fresh_root();
  put("cgroup.controllers", "cpu memory pids\n");
  memset(&l, 0, sizeof(l));
  set(&l, "cpu-shares", "1024");
  cg = create("c2", "outer/inner", &l, &err);
  CHECK(cg && strcmp(get("outer/inner/cocin/c2/cpu.weight"), "39") == 0,
        "v2: shares 1024 -> weight 39, under a --cgroup-parent made on the way [%s] %s",
        get("outer/inner/cocin/c2/cpu.weight"), err ? cocin_error_msg(&err) : "");
  CHECK(strcmp(get("cgroup.subtree_control"), "+cpu +memory +pids") == 0 &&
            strcmp(get("outer/inner/cgroup.subtree_control"), "+cpu +memory +pids") == 0,
        "v2: controllers enabled all the way down [%s]", get("outer/inner/cgroup.subtree_control"));
  CHECK(cocin_cgroup_destroy(cg, &err) == 0 && !exists("outer/inner/cocin") &&
            exists("outer/inner"),
        "v2: destroy keeps the --cgroup-parent");
  cocin_cgroup_free(cg);

  /* a limit whose controller is missing: error naming it, nothing left */
  fresh_root();
  put("cgroup.controllers", "cpu pids\n");
  memset(&l, 0, sizeof(l));
  set(&l, "memory", "64m");
  cg = create("c3", "/", &l, &err);
  snprintf(want, sizeof(want), "memory limit requested but the memory controller is not "
                               "available in %s", root);
  CHECK(cg == NULL && cocin_error_status(&err) == ENOTSUP && strstr(cocin_error_msg(&err), want),
        "v2: missing memory controller: %s", cocin_error_msg(&err));
  cocin_error_release(&err);
  CHECK(!exists("cocin"), "v2: failed create leaves nothing behind");
  CHECK(strcmp(get("cgroup.subtree_control"), "<missing>") == 0,
        "v2: failed create enabled nothing");
  memset(&l, 0, sizeof(l));
  cg = create("c4", "/", &l, &err);
  CHECK(cg && strcmp(get("cgroup.subtree_control"), "+pids") == 0,
        "v2: without limits, only available stats controllers enabled [%s]",
        get("cgroup.subtree_control"));
  CHECK(!exists("cocin/c4/memory.max") && !exists("cocin/c4/pids.max"),
        "v2: no limit files written without limits");
  struct cocin_cgroup *dup = create("c4", "/", &l, &err);
  CHECK(dup != NULL, "v2: a stale leftover with no process is replaced");
  cocin_error_release(&err);
  cocin_cgroup_destroy(cg, NULL);
  cocin_cgroup_free(cg);
  cocin_cgroup_free(dup);

  CHECK(create("a/b", "/", &l, &err) == NULL && cocin_error_status(&err) == EINVAL,
        "v2: a name with / refused");
  cocin_error_release(&err);
  CHECK(create("..", "/", &l, &err) == NULL, "v2: .. refused");
  cocin_error_release(&err);
  CHECK(create("x", "../..", &l, &err) == NULL, "v2: a parent with .. refused");
  cocin_error_release(&err);

  setenv("COCIN_CGROUP_MODE", "v3", 1);
  CHECK(cocin_cgroup_detect(NULL, &mode, &err) < 0 && cocin_error_status(&err) == EINVAL,
        "bad COCIN_CGROUP_MODE refused");
  cocin_error_release(&err);
}

static void test_v1(void)
{
  struct cocin_limits l;
  cocin_error_t err = NULL;
  fresh_root();
  setenv("COCIN_CGROUP_MODE", "v1", 1);
  mk("memory");
  mk("cpu,cpuacct");
  char p1[512], p2[512];
  snprintf(p1, sizeof(p1), "%s/cpu", root);
  snprintf(p2, sizeof(p2), "%s/cpuacct", root);
  if (symlink("cpu,cpuacct", p1) < 0 || symlink("cpu,cpuacct", p2) < 0)
    perror("symlink");
  mk("cpuset");
  put("cpuset/cpuset.cpus", "0-1\n");
  put("cpuset/cpuset.mems", "0\n");
  mk("pids");
  mk("devices");
  mk("freezer");
  full_limits(&l);
  struct cocin_cgroup *cg = create("c1", "/", &l, &err);
  CHECK(cg != NULL, "v1: create with every limit: %s", cg ? "ok" : cocin_error_msg(&err));
  cocin_error_release(&err);
  CHECK(strcmp(get("memory/cocin/c1/memory.limit_in_bytes"), "67108864") == 0,
        "v1: memory.limit_in_bytes");
  CHECK(strcmp(get("memory/cocin/c1/memory.memsw.limit_in_bytes"), "134217728") == 0,
        "v1: memory.memsw.limit_in_bytes = --memory-swap");
  CHECK(strcmp(get("cpu,cpuacct/cocin/c1/cpu.cfs_quota_us"), "50000") == 0 &&
            strcmp(get("cpu,cpuacct/cocin/c1/cpu.cfs_period_us"), "100000") == 0,
        "v1: cfs quota/period");
  CHECK(strcmp(get("cpu,cpuacct/cocin/c1/cpu.shares"), "512") == 0, "v1: cpu.shares");
  CHECK(strcmp(get("cpuset/cocin/cpuset.cpus"), "0-1") == 0 &&
            strcmp(get("cpuset/cocin/cpuset.mems"), "0") == 0,
        "v1: cpuset copied from the parent into cocin/");
  CHECK(strcmp(get("cpuset/cocin/c1/cpuset.cpus"), "0") == 0 &&
            strcmp(get("cpuset/cocin/c1/cpuset.mems"), "0") == 0,
        "v1: cpuset.cpus/mems");
  CHECK(strcmp(get("pids/cocin/c1/pids.max"), "20") == 0, "v1: pids.max");
  CHECK(strcmp(get("devices/cocin/c1/devices.deny"), "a") == 0 &&
            strcmp(get("devices/cocin/c1/devices.allow"), "c 136:* rwm") == 0,
        "v1: devices deny-all then the default list (last: pts)");
  CHECK(exists("freezer/cocin/c1"), "v1: freezer dir");
  const char *cpu = cocin_cgroup_path(cg, "cpu"), *acct = cocin_cgroup_path(cg, "cpuacct");
  CHECK(cpu && acct && strcmp(cpu, acct) == 0 && strstr(cpu, "cpu,cpuacct/cocin/c1"),
        "v1: joined cpu,cpuacct share one directory (%s)", cpu ? cpu : "none");
  CHECK(cocin_cgroup_enter(cg, 0, &err) == 0 &&
            strcmp(get("memory/cocin/c1/tasks"), "0") == 0 &&
            strcmp(get("cpuset/cocin/c1/tasks"), "0") == 0 &&
            strcmp(get("cpu,cpuacct/cocin/c1/tasks"), "0") == 0,
        "v1: enter joins every hierarchy");

  put("memory/cocin/c1/memory.usage_in_bytes", "5000\n");
  put("memory/cocin/c1/memory.stat", "cache 0\ntotal_inactive_file 1000\n");
  put("memory/cocin/c1/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
  put("cpu,cpuacct/cocin/c1/cpuacct.usage", "123456789\n");
  put("pids/cocin/c1/pids.current", "4\n");
  put("pids/cocin/c1/pids.max", "max\n");
  cJSON *j = cocin_cgroup_to_json(cg);
  struct cocin_cgroup *cg2 = NULL;
  CHECK(cocin_cgroup_from_json(j, &cg2, &err) == 0 && cg2, "v1: json round trip");
  cJSON_Delete(j);
  struct cocin_cgroup_stats st;
  CHECK(cocin_cgroup_stats(cg2, &st, &err) == 0 && st.memory_usage == 4000 &&
            st.memory_limit == 67108864 && st.cpu_usage_ns == 123456789 &&
            st.pids_current == 4 && st.pids_limit == UINT64_MAX && st.oom_killed,
        "v1: stats (usage %llu limit %llu cpu %llu pids %llu oom %d)",
        (unsigned long long)st.memory_usage, (unsigned long long)st.memory_limit,
        (unsigned long long)st.cpu_usage_ns, (unsigned long long)st.pids_current, st.oom_killed);
  CHECK(cocin_cgroup_destroy(cg2, &err) == 0 && !exists("memory/cocin") &&
            !exists("cpu,cpuacct/cocin") && !exists("cpuset/cocin") && !exists("pids/cocin") &&
            !exists("devices/cocin") && !exists("freezer/cocin"),
        "v1: destroy removes it from every hierarchy");
  cocin_cgroup_free(cg);
  cocin_cgroup_free(cg2);
  cocin_limits_free(&l);

  /* privileged: no devices policy; default swap = 2 x memory */
  memset(&l, 0, sizeof(l));
  set(&l, "memory", "10m");
  l.devices_unrestricted = true;
  cg = create("c2", "/", &l, &err);
  CHECK(cg && !exists("devices/cocin/c2/devices.deny") && exists("devices/cocin/c2"),
        "v1: devices_unrestricted writes no devices policy");
  CHECK(strcmp(get("memory/cocin/c2/memory.memsw.limit_in_bytes"), "20971520") == 0,
        "v1: without --memory-swap, swap = memory (docker)");
  cocin_cgroup_destroy(cg, NULL);
  cocin_cgroup_free(cg);

  /* a missing hierarchy: error naming the controller, nothing left */
  char cmd[600];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s/pids'", root);
  if (system(cmd) != 0)
    perror("rm");
  memset(&l, 0, sizeof(l));
  set(&l, "pids-limit", "20");
  cg = create("c3", "/", &l, &err);
  CHECK(cg == NULL && strstr(cocin_error_msg(&err), "pids controller is not available"),
        "v1: missing pids hierarchy: %s", cocin_error_msg(&err));
  cocin_error_release(&err);
  CHECK(!exists("memory/cocin") && !exists("cpuset/cocin"), "v1: nothing left behind");

  /* a failing write in the middle rolls back every directory made */
  memset(&l, 0, sizeof(l));
  set(&l, "cpuset-cpus", "0");
  mk("cpuset/cocin");
  mk("cpuset/cocin/c4"); /* stale leaf ... */
  mk("cpuset/cocin/c4/cpuset.cpus"); /* ... whose file is a directory: the write fails */
  put("cpuset/cocin/cpuset.cpus", "0-1\n");
  put("cpuset/cocin/cpuset.mems", "0\n");
  cg = create("c4", "/", &l, &err);
  CHECK(cg != NULL, "v1: a stale leaf is replaced: %s", cg ? "ok" : cocin_error_msg(&err));
  cocin_error_release(&err);
  cocin_cgroup_destroy(cg, NULL);
  cocin_cgroup_free(cg);
  mk("memory/cocin");
  put("memory/cocin/keep", "x"); /* a pre-existing cocin/ dir stays */
  mk("cpuset/cocin");
  mk("cpuset/cocin/cpuset.cpus"); /* cocin/ cannot receive the parent's cpus */
  cg = create("c5", "/", &l, &err);
  CHECK(cg == NULL && !exists("memory/cocin/c5") && exists("memory/cocin") &&
            !exists("devices/cocin") && !exists("cpu,cpuacct/cocin"),
        "v1: a failed create removes what it made, keeps what it did not: %s",
        cocin_error_msg(&err));
  cocin_error_release(&err);
  cocin_limits_free(&l);
  unsetenv("COCIN_CGROUP_MODE");
}

/* The plan names what create makes, and makes nothing (run records it in
 * the first config.json, before the monitor creates it). */
static void plan_matches(const char *mode)
{
  struct cocin_limits l;
  memset(&l, 0, sizeof(l));
  set(&l, "memory", "64m");
  set(&l, "pids-limit", "20");
  cocin_error_t err = NULL;
  struct cocin_cgroup *plan = NULL, *other = NULL;
  CHECK(cocin_cgroup_plan("p1", NULL, &l, &plan, &err) == 0 && plan != NULL,
        "%s: plan: %s", mode, plan ? "ok" : cocin_error_msg(&err));
  cocin_error_release(&err);
  CHECK(!exists("cocin") && !exists("memory/cocin") && !exists("pids/cocin"),
        "%s: the plan made no directory", mode);
  CHECK(cocin_cgroup_plan("p2", NULL, &l, &other, NULL) == 0 && !cocin_cgroup_same(plan, other),
        "%s: another name, another plan", mode);
  struct cocin_cgroup *cg = create("p1", NULL, &l, &err);
  CHECK(cg != NULL, "%s: create after the plan: %s", mode, cg ? "ok" : cocin_error_msg(&err));
  cocin_error_release(&err);
  CHECK(cocin_cgroup_same(plan, cg), "%s: create made what was planned", mode);
  cJSON *a = cocin_cgroup_to_json(plan), *b = cocin_cgroup_to_json(cg);
  CHECK(cJSON_Compare(a, b, true), "%s: the same record in config.json", mode);
  cJSON_Delete(a);
  cJSON_Delete(b);
  cocin_cgroup_destroy(cg, NULL);
  cocin_cgroup_free(cg);
  /* made from the plan (what it looked up, reused): the same again */
  cg = NULL;
  CHECK(cocin_cgroup_create_planned(plan, "p1", NULL, &l, &cg, &err) == 0 && cg != NULL,
        "%s: create from the plan: %s", mode, cg ? "ok" : cocin_error_msg(&err));
  cocin_error_release(&err);
  CHECK(cocin_cgroup_same(plan, cg), "%s: create from the plan made what was planned", mode);
  struct stat st;
  const char *dir = cocin_cgroup_path(cg, NULL);
  CHECK(dir && stat(dir, &st) == 0 && S_ISDIR(st.st_mode), "%s: its directory %s exists", mode,
        dir ? dir : "(none)");
  cocin_cgroup_destroy(cg, NULL);
  cocin_cgroup_free(cg);
  cocin_cgroup_free(plan);
  cocin_cgroup_free(other);
}

static void test_plan(void)
{
  CHECK(cocin_cgroup_same(NULL, NULL), "same: NULL is NULL");
  fresh_root();
  setenv("COCIN_CGROUP_MODE", "v2", 1);
  put("cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
  put("cgroup.subtree_control", "");
  plan_matches("v2");
  fresh_root();
  setenv("COCIN_CGROUP_MODE", "v1", 1);
  static const char *const dirs[] = {"memory", "cpu", "cpuacct", "pids", "devices", "freezer"};
  for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
    mk(dirs[i]);
  plan_matches("v1");
}

static void test_detect_host(void)
{
  unsetenv("COCIN_CGROUP_ROOT");
  unsetenv("COCIN_CGROUP_MODE");
  enum cocin_cgroup_mode mode = 0;
  cocin_error_t err = NULL;
  int r = cocin_cgroup_detect("/sys/fs/cgroup", &mode, &err);
  CHECK(r == 0 && (mode == COCIN_CGROUP_UNIFIED || mode == COCIN_CGROUP_LEGACY ||
                   mode == COCIN_CGROUP_HYBRID),
        "host mode detected: %d %s", mode, r ? cocin_error_msg(&err) : "");
  cocin_error_release(&err);
  CHECK(cocin_cgroup_detect("/proc", &mode, &err) < 0 && cocin_error_status(&err) == ENOTSUP,
        "/proc is not a cgroup root: %s", cocin_error_msg(&err));
  cocin_error_release(&err);
}

/* update: what is given is written; a controller the cgroup lacks is
 * added (v2: enabled on the way down; v1: the cpuset directory made) */
static void test_update(void)
{
  struct cocin_limits l = {0}, given = {0}, all = {0};
  cocin_error_t err = NULL;
  fresh_root();
  setenv("COCIN_CGROUP_MODE", "v2", 1);
  put("cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
  put("cgroup.subtree_control", "");
  set(&l, "memory", "64m");
  struct cocin_cgroup *cg = create("u1", "/", &l, &err);
  CHECK(cg != NULL, "update v2: create: %s", cg ? "ok" : cocin_error_msg(&err));
  cocin_error_release(&err);
  CHECK(strstr(get("cocin/cgroup.subtree_control"), "cpu ") == NULL,
        "update v2: no cpu controller before: [%s]", get("cocin/cgroup.subtree_control"));
  set(&given, "cpus", "0.5");
  set(&given, "pids-limit", "30");
  set(&given, "memory", "128m");
  set(&all, "cpus", "0.5");
  set(&all, "pids-limit", "30");
  set(&all, "memory", "128m");
  CHECK(cg && cocin_cgroup_update(cg, NULL, getpid(), &given, &all, &err) == 0,
        "update v2: %s", err ? cocin_error_msg(&err) : "ok");
  cocin_error_release(&err);
  CHECK(strstr(get("cgroup.subtree_control"), "+cpu") != NULL &&
            strstr(get("cocin/cgroup.subtree_control"), "+cpu") != NULL,
        "update v2: cpu enabled on the way down: [%s] [%s]", get("cgroup.subtree_control"),
        get("cocin/cgroup.subtree_control"));
  CHECK(strcmp(get("cocin/u1/cpu.max"), "50000 100000") == 0, "update v2: cpu.max [%s]",
        get("cocin/u1/cpu.max"));
  CHECK(strcmp(get("cocin/u1/pids.max"), "30") == 0, "update v2: pids.max");
  {
    /* --cpu-period alone: the quota as it was; --cpu-quota -1: v2's max */
    struct cocin_limits p = {0}, pall = {0};
    set(&p, "cpu-period", "20000");
    pall = all;
    pall.cpu_period = 20000;
    CHECK(cocin_cgroup_update(cg, NULL, getpid(), &p, &pall, &err) == 0 &&
              strcmp(get("cocin/u1/cpu.max"), "50000 20000") == 0,
          "update v2 --cpu-period: the quota kept [%s] %s", get("cocin/u1/cpu.max"),
          err ? cocin_error_msg(&err) : "");
    cocin_error_release(&err);
    struct cocin_limits q = {0};
    set(&q, "cpu-quota", "-1");
    pall.cpu_quota = -1;
    CHECK(cocin_cgroup_update(cg, NULL, getpid(), &q, &pall, &err) == 0 &&
              strcmp(get("cocin/u1/cpu.max"), "max 20000") == 0,
          "update v2 --cpu-quota -1: max [%s] %s", get("cocin/u1/cpu.max"),
          err ? cocin_error_msg(&err) : "");
    cocin_error_release(&err);
  }
  CHECK(strcmp(get("cocin/u1/memory.max"), "134217728") == 0 &&
            strcmp(get("cocin/u1/memory.swap.max"), "134217728") == 0,
        "update v2: memory.max and swap [%s] [%s]", get("cocin/u1/memory.max"),
        get("cocin/u1/memory.swap.max"));
  cocin_cgroup_free(cg);
  cocin_limits_free(&given);
  cocin_limits_free(&all);
  cocin_limits_free(&l);

  fresh_root();
  setenv("COCIN_CGROUP_MODE", "v1", 1);
  mk("memory");
  mk("cpuset");
  put("cpuset/cpuset.cpus", "0-1\n");
  put("cpuset/cpuset.mems", "0\n");
  mk("pids");
  memset(&l, 0, sizeof(l));
  set(&l, "memory", "64m");
  cg = create("u2", "/", &l, &err);
  CHECK(cg != NULL && cocin_cgroup_path(cg, "cpuset") == NULL,
        "update v1: made without a cpuset: %s", cg ? "ok" : cocin_error_msg(&err));
  cocin_error_release(&err);
  memset(&given, 0, sizeof(given));
  memset(&all, 0, sizeof(all));
  set(&given, "cpuset-cpus", "0");
  set(&given, "memory", "32m");
  set(&all, "cpuset-cpus", "0");
  set(&all, "memory", "32m");
  CHECK(cg && cocin_cgroup_update(cg, "/", getpid(), &given, &all, &err) == 0,
        "update v1: %s", err ? cocin_error_msg(&err) : "ok");
  cocin_error_release(&err);
  CHECK(strcmp(get("memory/cocin/u2/memory.limit_in_bytes"), "33554432") == 0,
        "update v1: memory.limit_in_bytes [%s]", get("memory/cocin/u2/memory.limit_in_bytes"));
  CHECK(strcmp(get("cpuset/cocin/u2/cpuset.cpus"), "0") == 0 &&
            strcmp(get("cpuset/cocin/u2/cpuset.mems"), "0") == 0,
        "update v1: cpuset made and written [%s] [%s]", get("cpuset/cocin/u2/cpuset.cpus"),
        get("cpuset/cocin/u2/cpuset.mems"));
  char want[512];
  snprintf(want, sizeof(want), "%s/cpuset/cocin/u2", root);
  CHECK(cg && cocin_cgroup_path(cg, "cpuset") && !strcmp(cocin_cgroup_path(cg, "cpuset"), want),
        "update v1: the cgroup names its new cpuset directory");
  /* a limit refused by its check changes nothing */
  struct cocin_limits bad = {0};
  set(&bad, "memory-swap", "10m");
  set(&all, "memory-swap", "10m");
  CHECK(cg && cocin_cgroup_update(cg, "/", getpid(), &bad, &all, &err) < 0 &&
            cocin_error_status(&err) == EINVAL,
        "update v1: swap below memory refused: %s", err ? cocin_error_msg(&err) : "accepted");
  cocin_error_release(&err);
  cocin_cgroup_free(cg);
  cocin_limits_free(&given);
  cocin_limits_free(&all);
  cocin_limits_free(&bad);
  cocin_limits_free(&l);
  unsetenv("COCIN_CGROUP_MODE");
}

int main(void)
{
  test_sizes();
  test_other_flags();
  test_cpu_period_quota();
  test_check();
  test_json();
  test_stats_format();
  test_v2();
  test_v1();
  test_update();
  test_plan();
  test_detect_host();
  fresh_root(); /* removes the last one */
  rmdir(root);
  return tap_done();
}
