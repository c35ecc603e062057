/* docker's inspect keys over cocin's record: what `inspect -f
 * '{{.State.Pid}}'` and its kind find in docker's schema, from the
 * container's config.json.  cocin's own keys (camelCase) stay the record;
 * docker's begin with a capital and are made here, for templates only. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cocin/cleanup.h"
#include "cocin/state.h"
#include "cocin/util.h"

/* docker's time for "never": Go's zero time */
#define ZERO_TIME "0001-01-01T00:00:00Z"

static const cJSON *item(const cJSON *o, const char *key)
{
  return cJSON_GetObjectItemCaseSensitive(o, key);
}

static void add_str(cJSON *o, const char *key, const char *v)
{
  cJSON_AddStringToObject(o, key, v ? v : "");
}

/* a copy of the record's v (or null, docker's absent value) */
static void add_copy(cJSON *o, const char *key, const cJSON *v)
{
  cJSON_AddItemToObject(o, key, v ? cJSON_Duplicate(v, true) : cJSON_CreateNull());
}

/* a copy of the record's object v, or {} where docker has an empty map */
static void add_map(cJSON *o, const char *key, const cJSON *v)
{
  cJSON_AddItemToObject(o, key, v ? cJSON_Duplicate(v, true) : cJSON_CreateObject());
}

/* a copy whose object keys begin with a capital, as docker's do
 * (failingStreak → FailingStreak, log[].exitCode → Log[].ExitCode) */
static cJSON *pascal_copy(const cJSON *v)
{
  if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
    return cJSON_Duplicate(v, true);
  cJSON *out = cJSON_IsObject(v) ? cJSON_CreateObject() : cJSON_CreateArray();
  const cJSON *c;
  cJSON_ArrayForEach(c, v)
  {
    if (cJSON_IsArray(v)) {
      cJSON_AddItemToArray(out, pascal_copy(c));
      continue;
    }
    cleanup_free char *key = xstrdup(c->string);
    if (key[0] >= 'a' && key[0] <= 'z')
      key[0] = (char)(key[0] - 'a' + 'A');
    cJSON_AddItemToObject(out, key, pascal_copy(c));
  }
  return out;
}

/* milliseconds → Go's time.Duration, nanoseconds */
static void add_ns(cJSON *o, const char *key, const cJSON *ms)
{
  cJSON_AddNumberToObject(o, key, cJSON_IsNumber(ms) ? ms->valuedouble * 1e6 : 0);
}

/* State: docker's Status word and flags, from what ps reads */
static cJSON *state_of(const cJSON *cfg)
{
  struct cocin_info info;
  cocin_info_from_json(cfg, &info);
  bool running = info.state == COCIN_STATE_RUNNING;
  const char *status = info.restarting                         ? "restarting"
                       : info.paused                           ? "paused"
                       : running                               ? "running"
                       : info.state == COCIN_STATE_CREATED     ? "created"
                                                               : "exited";
  cJSON *s = cJSON_CreateObject();
  add_str(s, "Status", status);
  /* (docker's Running is true while it waits to restart too) */
  cJSON_AddBoolToObject(s, "Running", running || info.restarting);
  cJSON_AddBoolToObject(s, "Paused", info.paused);
  cJSON_AddBoolToObject(s, "Restarting", info.restarting);
  cJSON_AddBoolToObject(s, "OOMKilled", info.oom_killed);
  cJSON_AddBoolToObject(s, "Dead", false);
  cJSON_AddNumberToObject(s, "Pid", running ? info.pid : 0);
  cJSON_AddNumberToObject(s, "ExitCode", info.exit_code < 0 ? 0 : info.exit_code);
  add_str(s, "Error", "");
  const char *started = cj_str(cfg, "startedAt"), *finished = cj_str(cfg, "finishedAt");
  add_str(s, "StartedAt", started ? started : ZERO_TIME);
  add_str(s, "FinishedAt", finished && !running ? finished : ZERO_TIME);
  const cJSON *h = item(cfg, "health"); /* (a stopped container's: its last) */
  if (h)
    cJSON_AddItemToObject(s, "Health", pascal_copy(h));
  return s;
}

/* "80/tcp": [{"HostIp": "", "HostPort": "8080"}], docker's
 * PortBindings; live (with "0.0.0.0"): NetworkSettings.Ports of a running container, where
 * a port also listening on IPv6 has its "::" too */
static cJSON *ports_of(const cJSON *cfg, bool live)
{
  cJSON *p = cJSON_CreateObject();
  const cJSON *e;
  cJSON_ArrayForEach(e, item(cfg, "ports"))
  {
    char key[32], port[16];
    snprintf(key, sizeof(key), "%d/tcp", (int)cj_int(e, "containerPort", 0));
    snprintf(port, sizeof(port), "%d", (int)cj_int(e, "hostPort", 0));
    cJSON *list = cJSON_GetObjectItemCaseSensitive(p, key);
    if (list == NULL)
      list = cJSON_AddArrayToObject(p, key);
    cJSON *b = cJSON_CreateObject();
    /* what was asked: docker's "" for no address (every one) */
    const char *ip = cj_str(e, "hostIp");
    add_str(b, "HostIp", !live && ip && !strcmp(ip, "0.0.0.0") ? "" : ip);
    add_str(b, "HostPort", port);
    cJSON_AddItemToArray(list, b);
    if (live && cj_str(e, "hostIp6")) {
      b = cJSON_CreateObject();
      add_str(b, "HostIp", cj_str(e, "hostIp6"));
      add_str(b, "HostPort", port);
      cJSON_AddItemToArray(list, b);
    }
  }
  return p;
}

/* Mounts: each -v and --mount, as docker lists them */
static cJSON *mounts_of(const cJSON *cfg)
{
  cJSON *list = cJSON_CreateArray();
  const cJSON *m;
  cJSON_ArrayForEach(m, item(cfg, "mounts"))
  {
    cJSON *o = cJSON_CreateObject();
    const char *volume = cj_str(m, "volume");
    add_str(o, "Type", volume ? "volume" : "bind");
    if (volume)
      add_str(o, "Name", volume);
    add_str(o, "Source", cj_str(m, "source"));
    add_str(o, "Destination", cj_str(m, "destination"));
    add_str(o, "Mode", cj_bool(m, "readonly") ? "ro" : "");
    cJSON_AddBoolToObject(o, "RW", !cj_bool(m, "readonly"));
    add_str(o, "Propagation", volume ? "" : "rprivate");
    cJSON_AddItemToArray(list, o);
  }
  return list;
}

static cJSON *config_of(const cJSON *cfg)
{
  cJSON *c = cJSON_CreateObject();
  add_str(c, "Hostname", cj_str(cfg, "hostname"));
  add_str(c, "User", cj_str(cfg, "user"));
  cJSON_AddBoolToObject(c, "Tty", cj_bool(cfg, "tty"));
  cJSON_AddBoolToObject(c, "OpenStdin", cj_bool(cfg, "interactive"));
  cJSON_AddBoolToObject(c, "StdinOnce", cj_bool(cfg, "stdinOnce"));
  add_copy(c, "Env", item(cfg, "env"));
  add_copy(c, "Cmd", item(cfg, "args"));
  add_str(c, "Image", cj_str(cfg, "image"));
  add_str(c, "WorkingDir", cj_str(cfg, "workdir"));
  add_copy(c, "Entrypoint", NULL); /* (the record keeps the words joined, in Cmd) */
  add_map(c, "Labels", item(cfg, "labels"));
  int sig = (int)cj_int(cfg, "stopSignal", 0);
  if (sig > 0) { /* (a real-time signal has no name: its number) */
    const char *abbrev = sigabbrev_np(sig);
    cleanup_free char *name = abbrev ? xasprintf("SIG%s", abbrev) : xasprintf("%d", sig);
    add_str(c, "StopSignal", name);
  }
  const cJSON *h = item(cfg, "healthcheck");
  if (h) {
    cJSON *d = cJSON_AddObjectToObject(c, "Healthcheck");
    /* --health-cmd CMD is docker's ["CMD-SHELL", CMD]; the record keeps
     * what runs it */
    const cJSON *test = item(h, "test");
    const cJSON *t0 = cJSON_GetArrayItem(test, 0), *t1 = cJSON_GetArrayItem(test, 1),
                *t2 = cJSON_GetArrayItem(test, 2);
    if (cJSON_GetArraySize(test) == 3 && cJSON_IsString(t0) && !strcmp(t0->valuestring, "/bin/sh") &&
        cJSON_IsString(t1) && !strcmp(t1->valuestring, "-c") && cJSON_IsString(t2)) {
      cJSON *shell = cJSON_AddArrayToObject(d, "Test");
      cJSON_AddItemToArray(shell, cJSON_CreateString("CMD-SHELL"));
      cJSON_AddItemToArray(shell, cJSON_CreateString(t2->valuestring));
    } else
      add_copy(d, "Test", test);
    add_ns(d, "Interval", item(h, "interval"));
    add_ns(d, "Timeout", item(h, "timeout"));
    add_ns(d, "StartPeriod", item(h, "startPeriod"));
    cJSON_AddNumberToObject(d, "Retries", (double)cj_int(h, "retries", 0));
  }
  return c;
}

static cJSON *host_config_of(const cJSON *cfg)
{
  cJSON *hc = cJSON_CreateObject();
  const cJSON *limits = item(cfg, "limits"), *sec = item(cfg, "security");
  add_str(hc, "NetworkMode", cj_str(cfg, "network"));
  add_str(hc, "IpcMode", cj_str(cfg, "ipc") ? "host" : "private");
  add_str(hc, "UTSMode", cj_str(cfg, "uts") ? "host" : "");
  cJSON_AddItemToObject(hc, "PortBindings", ports_of(cfg, false));
  cJSON_AddBoolToObject(hc, "AutoRemove", cj_bool(cfg, "autoRemove"));
  const cJSON *r = item(cfg, "restartPolicy");
  cJSON *rp = cJSON_AddObjectToObject(hc, "RestartPolicy");
  add_str(rp, "Name", r ? cj_str(r, "name") : "no");
  cJSON_AddNumberToObject(rp, "MaximumRetryCount", (double)cj_int(r, "maximumRetryCount", 0));
  cJSON_AddBoolToObject(hc, "Privileged", cj_bool(sec, "privileged"));
  cJSON_AddBoolToObject(hc, "ReadonlyRootfs", cj_bool(sec, "readOnly"));
  add_copy(hc, "CapAdd", item(sec, "capAdd"));
  add_copy(hc, "CapDrop", item(sec, "capDrop"));
  cJSON_AddBoolToObject(hc, "Init", cj_bool(cfg, "init"));
  add_copy(hc, "ExtraHosts", item(cfg, "extraHosts"));
  add_copy(hc, "GroupAdd", item(cfg, "groupAdd"));
  const cJSON *devices = item(cfg, "devices"); /* (pathOnHost → PathOnHost, ...) */
  cJSON_AddItemToObject(hc, "Devices", devices ? pascal_copy(devices) : cJSON_CreateArray());
  add_str(hc, "CgroupParent", cj_str(cfg, "cgroupParent"));
  int64_t quota = cj_int(limits, "cpuQuota", 0), period = cj_int(limits, "cpuPeriod", 0);
  /* --cpus N: docker keeps NanoCpus, and no quota nor period; those
   * given themselves: no NanoCpus */
  bool by_cpus = cj_bool(limits, "cpus");
  static const char *const nums[][2] = {{"Memory", "memory"}, {"CpuShares", "cpuShares"}};
  for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
    cJSON_AddNumberToObject(hc, nums[i][0], (double)cj_int(limits, nums[i][1], 0));
  cJSON_AddNumberToObject(hc, "CpuQuota", by_cpus ? 0 : (double)quota);
  cJSON_AddNumberToObject(hc, "CpuPeriod", by_cpus ? 0 : (double)period);
  /* -m alone: as much swap as memory, docker's 2 × Memory */
  int64_t memory = cj_int(limits, "memory", 0);
  cJSON_AddNumberToObject(hc, "MemorySwap",
                          (double)cj_int(limits, "memorySwap", memory > 0 ? 2 * memory : 0));
  /* (unset: docker's null) */
  const cJSON *pids = item(limits, "pidsLimit");
  add_copy(hc, "PidsLimit", cJSON_IsNumber(pids) ? pids : NULL);
  cJSON_AddNumberToObject(hc, "NanoCpus",
                          by_cpus && quota > 0 && period > 0
                              ? (double)(int64_t)((double)quota * 1e9 / (double)period + 0.5)
                              : 0);
  add_str(hc, "CpusetCpus", cj_str(limits, "cpusetCpus"));
  add_str(hc, "CpusetMems", cj_str(limits, "cpusetMems"));
  cJSON_AddNumberToObject(hc, "ShmSize", (double)cj_int(cfg, "shmSize", 64LL << 20));
  add_map(hc, "Sysctls", item(cfg, "sysctls"));
  cJSON *tmpfs = cJSON_AddObjectToObject(hc, "Tmpfs");
  const cJSON *t;
  cJSON_ArrayForEach(t, item(cfg, "tmpfs"))
  {
    const char *dest = cj_str(t, "destination");
    if (dest)
      add_str(tmpfs, dest, cj_str(t, "options"));
  }
  return hc;
}

cJSON *cli_docker_view(const cJSON *cfg)
{
  cJSON *d = cJSON_CreateObject();
  add_str(d, "Id", cj_str(cfg, "id"));
  add_str(d, "Created", cj_str(cfg, "createTime"));
  const cJSON *args = item(cfg, "args");
  const cJSON *first = cJSON_GetArrayItem(args, 0);
  add_str(d, "Path", cJSON_IsString(first) ? first->valuestring : "");
  cJSON *rest = cJSON_AddArrayToObject(d, "Args");
  for (const cJSON *a = first ? first->next : NULL; a; a = a->next)
    cJSON_AddItemToArray(rest, cJSON_Duplicate(a, true));
  cJSON *state = state_of(cfg);
  cJSON_AddItemToObject(d, "State", state);
  add_str(d, "Image", cj_str(cfg, "image"));
  cleanup_free char *name = xasprintf("/%s", cj_str(cfg, "name") ? cj_str(cfg, "name") : "");
  add_str(d, "Name", name);
  cJSON_AddNumberToObject(d, "RestartCount", (double)cj_int(cfg, "restartCount", 0));
  add_str(d, "Driver", "overlay");
  cJSON_AddItemToObject(d, "Mounts", mounts_of(cfg));
  cJSON_AddItemToObject(d, "Config", config_of(cfg));
  cJSON_AddItemToObject(d, "HostConfig", host_config_of(cfg));
  cJSON *ns = cJSON_AddObjectToObject(d, "NetworkSettings");
  /* (its relay listens while it runs: a Pid, not Running, which a
   * restart's wait sets too) */
  cJSON_AddItemToObject(ns, "Ports", cj_int(state, "Pid", 0) > 0 ? ports_of(cfg, true)
                                                                  : cJSON_CreateObject());
  /* cocin's containers have no bridge: loopback only, or the host's */
  add_str(ns, "IPAddress", "");
  return d;
}
