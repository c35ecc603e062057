#include <arpa/inet.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "cocin/cleanup.h"
#include "cocin/runtime.h"
#include "cocin/spec.h"
#include "cocin/util.h"
#include "cocin/words.h"
#include "tap.h"

/* Parse a run line; returns the errno (0 on success). */
static int parse(const char *line, struct cocin_spec *s)
{
  cleanup_strv char **w = NULL;
  cleanup_error cocin_error_t err = NULL;
  memset(s, 0, sizeof(*s));
  if (cocin_split_words(line, strlen(line), &w, &err) < 0)
    return cocin_error_status(&err);
  if (cocin_spec_parse(s, (int)strv_len(w), w, &err) < 0)
    return cocin_error_status(&err);
  return 0;
}

static int parse_err(const char *line)
{
  struct cocin_spec s;
  int r = parse(line, &s);
  cocin_spec_free(&s);
  return r;
}

int main(void)
{
  struct cocin_spec s;
  CHECK(parse("-d --name web busybox httpd -f", &s) == 0, "basic run line parses");
  CHECK(s.detach && !strcmp(s.name, "web") && !strcmp(s.image, "busybox"), "flags and image");
  CHECK(strv_len(s.args) == 2 && !strcmp(s.args[1], "-f"), "args after image kept as is");
  cocin_spec_free(&s);

  CHECK(parse("-dit -e A=1 -eB=2 --env=C=3 -w /srv -h box -u 1000:100 --rm busybox", &s) == 0,
        "clustered and attached values");
  CHECK(s.detach && s.interactive && s.tty && s.autoremove, "-dit --rm");
  CHECK(!s.stdin_once, "-di: its stdin is not once");
  CHECK(strv_len(s.env) == 3 && !strcmp(s.env[1], "B=2") && !strcmp(s.env[2], "C=3"), "env");
  CHECK(!strcmp(s.workdir, "/srv") && !strcmp(s.hostname, "box"), "workdir hostname");
  CHECK(s.user && !strcmp(s.user, "1000:100"), "user");
  CHECK(s.args && !strcmp(s.args[0], "sh"), "default command is sh");
  char **env = cocin_spec_build_env(&s, NULL, true);
  cleanup_free char *joined = strv_join(env, " ");
  CHECK(strstr(joined, "PATH=/usr/local/sbin") && strstr(joined, "HOSTNAME=box") &&
            strstr(joined, "TERM=xterm") && strstr(joined, "HOME=/") && strstr(joined, "A=1"),
        "environment starts clean: %s", joined);
  CHECK(getenv("USER") == NULL || strstr(joined, "USER=") == NULL, "host env not inherited");
  strv_free(env);
  cocin_spec_free(&s);

  CHECK(parse("-e=A=B -w=/srv -d=false -i=true busybox", &s) == 0, "short flags with =");
  CHECK(strv_len(s.env) == 1 && !strcmp(s.env[0], "A=B") && !strcmp(s.workdir, "/srv") &&
            !s.detach && s.interactive,
        "-e=A=B -w=/srv -d=false -i=true");
  CHECK(s.stdin_once, "-i without -d: docker's StdinOnce");
  {
    cJSON *oj = cocin_spec_to_json(&s);
    struct cocin_spec o2;
    cleanup_error cocin_error_t oerr = NULL;
    CHECK(cocin_spec_from_json(oj, &o2, &oerr) == 0 && o2.stdin_once && o2.interactive,
          "stdinOnce kept in the record");
    cocin_spec_free(&o2);
    cJSON_Delete(oj);
  }
  cocin_spec_free(&s);
  CHECK(parse_err("-d=maybe busybox") == EINVAL, "-d=maybe refused");
  CHECK(parse_err("-e HOME busybox") == EINVAL, "-e KEY refused without the caller's environment");

  CHECK(parse("-v /tmp:/data:ro -v /tmp:/x busybox", &s) == 0, "volumes");
  CHECK(s.n_mounts == 2 && s.mounts[0].readonly && !s.mounts[1].readonly, "ro flag");
  cJSON *j = cocin_spec_to_json(&s);
  struct cocin_spec s2;
  cleanup_error cocin_error_t err = NULL;
  CHECK(cocin_spec_from_json(j, &s2, &err) == 0 && s2.n_mounts == 2 &&
            !strcmp(s2.mounts[0].dest, "/data") && s2.mounts[0].readonly,
        "json round trip");
  cJSON_Delete(j);
  cocin_spec_free(&s2);
  cocin_spec_free(&s);

  /* -v's other two forms: a named volume, an anonymous one (with options) */
  CHECK(parse("-v data:/d:ro -v /anon -v /anon2:ro busybox", &s) == 0 && s.n_mounts == 3,
        "named and anonymous volumes");
  CHECK(!strcmp(s.mounts[0].volume, "data") && s.mounts[0].source == NULL &&
            !strcmp(s.mounts[0].dest, "/d") && s.mounts[0].readonly && !s.mounts[0].anonymous,
        "-v data:/d:ro");
  CHECK(s.mounts[1].anonymous && s.mounts[1].volume == NULL && s.mounts[1].source == NULL &&
            !strcmp(s.mounts[1].dest, "/anon") && !s.mounts[1].readonly,
        "-v /anon");
  CHECK(s.mounts[2].anonymous && !strcmp(s.mounts[2].dest, "/anon2") && s.mounts[2].readonly,
        "-v /anon2:ro");
  cocin_spec_free(&s);
  /* as run records them, the source found */
  {
    struct cocin_spec r = {0};
    cJSON *rec = cJSON_Parse("{\"image\":\"busybox\",\"args\":[\"true\"],\"mounts\":["
                             "{\"source\":\"/r/volumes/data/_data\",\"destination\":\"/d\","
                             "\"readonly\":true,\"volume\":\"data\"},"
                             "{\"source\":\"/r/volumes/ab/_data\",\"destination\":\"/a\","
                             "\"readonly\":false,\"volume\":\"ab\",\"anonymous\":true}]}");
    cleanup_error cocin_error_t rerr = NULL;
    CHECK(rec && cocin_spec_from_json(rec, &r, &rerr) == 0 && r.n_mounts == 2 &&
              !strcmp(r.mounts[0].volume, "data") && !r.mounts[0].anonymous &&
              r.mounts[1].anonymous && !strcmp(r.mounts[1].source, "/r/volumes/ab/_data"),
          "a record's volumes read back");
    cJSON *back = cocin_spec_to_json(&r);
    const cJSON *m1 = cJSON_GetArrayItem(cJSON_GetObjectItem(back, "mounts"), 1);
    CHECK(m1 && cJSON_IsTrue(cJSON_GetObjectItem(m1, "anonymous")) &&
              !strcmp(cJSON_GetObjectItem(m1, "volume")->valuestring, "ab"),
          "and written again");
    cJSON_Delete(back);
    cJSON_Delete(rec);
    cocin_spec_free(&r);
    /* an anonymous volume without its name, a volume name that is no name: damaged */
    cJSON *bad = cJSON_Parse("{\"image\":\"busybox\",\"args\":[\"true\"],\"mounts\":["
                             "{\"source\":\"/x\",\"destination\":\"/a\",\"anonymous\":true}]}");
    struct cocin_spec b = {0};
    cleanup_error cocin_error_t berr = NULL;
    CHECK(bad && cocin_spec_from_json(bad, &b, &berr) < 0, "an anonymous volume with no name refused");
    cJSON_Delete(bad);
    cocin_spec_free(&b);
  }
  /* Go durations, as docker's --health-* take them */
  CHECK(cocin_duration_parse_ms("30s") == 30000 && cocin_duration_parse_ms("1m30s") == 90000 &&
            cocin_duration_parse_ms("500ms") == 500 && cocin_duration_parse_ms("1h") == 3600000 &&
            cocin_duration_parse_ms("1.5s") == 1500 && cocin_duration_parse_ms("0") == 0 &&
            cocin_duration_parse_ms("100us") == 1 && cocin_duration_parse_ms("2ns") == 1 &&
            cocin_duration_parse_ms("1h2m3s4ms") == 3723004,
        "durations");
  CHECK(cocin_duration_parse_ms("") < 0 && cocin_duration_parse_ms("s") < 0 &&
            cocin_duration_parse_ms("1x") < 0 && cocin_duration_parse_ms("-1s") < 0 &&
            cocin_duration_parse_ms("1s2") < 0 && cocin_duration_parse_ms("5") < 0 &&
            cocin_duration_parse_ms("99999999h") < 0 && cocin_duration_parse_ms("1e3s") < 0 &&
            cocin_duration_parse_ms("0x10s") < 0 && cocin_duration_parse_ms("1.5.5s") < 0 &&
            cocin_duration_parse_ms("inf") < 0 && cocin_duration_parse_ms("+") < 0 &&
            cocin_duration_parse_ms(".s") < 0 && cocin_duration_parse_ms("2000000h2000000h") < 0,
        "not durations");
  CHECK(cocin_duration_parse_ms("+1s") == 1000 && cocin_duration_parse_ms("3\xce\xbcs") == 1 &&
            cocin_duration_parse_ms(".5s") == 500 && cocin_duration_parse_ms("1.0000000001s") == 1000 &&
            cocin_duration_parse_ms("1.0000001s") == 1001,
        "Go's other spellings");
  /* --health-*: the defaults filled in, the record's form read back */
  CHECK(parse("--health-cmd 'curl -f x' --health-interval 1m busybox", &s) == 0 &&
            s.health.test && !strcmp(s.health.test[2], "curl -f x") &&
            s.health.interval_ms == 60000 && s.health.timeout_ms == 30000 &&
            s.health.retries == 3 && s.health.start_period_ms == 0,
        "--health-cmd with docker's defaults");
  {
    cJSON *hj = cocin_spec_to_json(&s);
    struct cocin_spec h2;
    cleanup_error cocin_error_t herr = NULL;
    CHECK(cocin_spec_from_json(hj, &h2, &herr) == 0 && h2.health.test &&
              !strcmp(h2.health.test[0], "/bin/sh") && h2.health.interval_ms == 60000 &&
              h2.health.retries == 3,
          "healthcheck round trip");
    cJSON_Delete(hj);
    cocin_spec_free(&h2);
  }
  cocin_spec_free(&s);
  CHECK(parse_err("--health-retries 2 busybox") == EINVAL, "--health-retries without --health-cmd");
  CHECK(parse_err("--health-cmd x --no-healthcheck busybox") == EINVAL, "--no-healthcheck conflicts");
  CHECK(parse_err("--health-cmd x --health-timeout 3 busybox") == EINVAL, "a duration without unit");
  CHECK(parse("--no-healthcheck busybox", &s) == 0 && s.health.test == NULL, "--no-healthcheck alone");
  cocin_spec_free(&s);

  /* -l: labels, the later value of a key kept; --entrypoint */
  CHECK(parse("-l a=1 -l b --label a=2 --entrypoint /bin/echo busybox hi", &s) == 0 &&
            strv_len(s.labels) == 2 && !strcmp(s.labels[0], "a=2") && !strcmp(s.labels[1], "b=") &&
            strv_len(s.args) == 2 && !strcmp(s.args[0], "/bin/echo") && !strcmp(s.args[1], "hi"),
        "labels and --entrypoint");
  {
    cJSON *lj = cocin_spec_to_json(&s);
    struct cocin_spec l2;
    cleanup_error cocin_error_t lerr = NULL;
    CHECK(cocin_spec_from_json(lj, &l2, &lerr) == 0 && strv_len(l2.labels) == 2 &&
              !strcmp(l2.labels[0], "a=2") && !strcmp(l2.labels[1], "b="),
          "labels round trip");
    cJSON_Delete(lj);
    cocin_spec_free(&l2);
  }
  cocin_spec_free(&s);
  CHECK(parse("--entrypoint pwd busybox", &s) == 0 && strv_len(s.args) == 1 &&
            !strcmp(s.args[0], "pwd"),
        "--entrypoint alone");
  cocin_spec_free(&s);
  CHECK(parse_err("-l =v busybox") == EINVAL && parse_err("-l '' busybox") == EINVAL, "bad labels");

  /* --mount: docker's long form of -v and --tmpfs */
  CHECK(parse("--mount type=bind,source=/tmp,target=/b,readonly --mount source=vol,dst=/v "
              "--mount target=/a,volume-nocopy --mount type=tmpfs,target=/t,tmpfs-size=64m,"
              "tmpfs-mode=1770 --mount type=volume,src=v2,target=/v2,ro=false busybox",
              &s) == 0 &&
            s.n_mounts == 4 && s.n_tmpfs == 1,
        "--mount of each type");
  CHECK(!strcmp(s.mounts[0].source, "/tmp") && !strcmp(s.mounts[0].dest, "/b") &&
            s.mounts[0].readonly && !s.mounts[0].volume,
        "--mount type=bind,...,readonly");
  CHECK(!strcmp(s.mounts[1].volume, "vol") && !strcmp(s.mounts[1].dest, "/v") &&
            !s.mounts[1].readonly && !s.mounts[1].nocopy,
        "--mount source=vol,dst=/v (type volume by default)");
  CHECK(s.mounts[2].anonymous && s.mounts[2].nocopy && !strcmp(s.mounts[2].dest, "/a"),
        "--mount target=/a,volume-nocopy: anonymous, not filled");
  CHECK(!strcmp(s.tmpfs[0].dest, "/t") && !strcmp(s.tmpfs[0].options, "size=64m,mode=1770"),
        "--mount type=tmpfs,tmpfs-size,tmpfs-mode");
  CHECK(!strcmp(s.mounts[3].volume, "v2") && !s.mounts[3].readonly, "ro=false");
  cocin_spec_free(&s);
  CHECK(parse("-v data:/d:nocopy busybox", &s) == 0 && s.mounts[0].nocopy, "-v NAME:CTR:nocopy");
  cocin_spec_free(&s);
  CHECK(parse_err("--mount type=bind,target=/x busybox") == EINVAL, "a bind without a source");
  CHECK(parse_err("--mount type=bind,source=rel,target=/x busybox") == EINVAL, "a relative bind source");
  CHECK(parse_err("--mount type=bind,source=/nonexistent-cocin,target=/x busybox") == ENOENT,
        "a missing bind source");
  CHECK(parse_err("--mount source=/tmp,target=/x busybox") == EINVAL, "a volume named by a path");
  CHECK(parse_err("--mount type=volume,source=v busybox") == EINVAL, "no target");
  CHECK(parse_err("--mount type=tmpfs,source=x,target=/t busybox") == EINVAL, "a tmpfs with a source");
  CHECK(parse_err("--mount type=npipe,target=/t busybox") == EINVAL, "an unknown type");
  CHECK(parse_err("--mount target=/t,bogus=1 busybox") == EINVAL, "an unknown field");
  CHECK(parse_err("--mount target=/t,readonly=maybe busybox") == EINVAL, "readonly=maybe");
  CHECK(parse_err("--mount type=bind,source=/tmp,target=/t,bind-propagation=shared busybox") == EINVAL,
        "a propagation not done");
  CHECK(parse_err("--mount type=volume,target=/t,tmpfs-size=1m busybox") == EINVAL,
        "tmpfs-size on a volume");
  CHECK(parse_err("--mount type=tmpfs,target=/t,tmpfs-size=lots busybox") == EINVAL,
        "a bad tmpfs-size");
  CHECK(parse_err("--mount type=bind,source=/tmp,target=/t,volume-nocopy busybox") == EINVAL,
        "volume-nocopy on a bind");
  CHECK(parse_err("-v /tmp:/t:nocopy busybox") == EINVAL, "nocopy on a host path");
  CHECK(parse_err("--mount target=/t -v /tmp:/t busybox") == EINVAL, "--mount and -v at one target");
  CHECK(cocin_volume_name_check("ab", NULL) == 0 && cocin_volume_name_check("a", NULL) < 0 &&
            cocin_volume_name_check("-ab", NULL) < 0 && cocin_volume_name_check("a/b", NULL) < 0 &&
            cocin_volume_name_check("a_b.c-d", NULL) == 0 && cocin_volume_name_check("", NULL) < 0,
        "volume names");

  /* --network: none (the default) and host; the host's name unless -h */
  CHECK(parse("busybox", &s) == 0 && !s.host_network && s.hostname == NULL, "default: none");
  cocin_spec_free(&s);
  char hn[256] = "";
  gethostname(hn, sizeof(hn));
  /* (a host name cocin refuses, over 64 characters say, is not taken) */
  bool hn_ok = strlen(hn) > 0 && strlen(hn) <= 64 && strspn(hn,
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._") == strlen(hn);
  CHECK(parse("--network host busybox", &s) == 0 && s.host_network &&
            (hn_ok ? s.hostname && !strcmp(s.hostname, hn) : s.hostname == NULL),
        "--network host takes the host's name [%s]", s.hostname ? s.hostname : "(none)");
  j = cocin_spec_to_json(&s);
  CHECK(cocin_spec_from_json(j, &s2, &err) == 0 && s2.host_network, "host network round trip");
  cJSON_Delete(j);
  cocin_spec_free(&s2);
  cocin_spec_free(&s);
  CHECK(parse("--net=host -h box --network none busybox", &s) == 0 && !s.host_network &&
            !strcmp(s.hostname, "box"),
        "--net spelling; the last mode wins; -h kept");
  j = cocin_spec_to_json(&s);
  CHECK(cocin_spec_from_json(j, &s2, &err) == 0 && !s2.host_network, "none round trip");
  cJSON_Delete(j);
  cocin_spec_free(&s2);
  cocin_spec_free(&s);
  CHECK(parse("--network host -h box busybox", &s) == 0 && !strcmp(s.hostname, "box"),
        "-h wins over the host's name");
  cocin_spec_free(&s);
  CHECK(parse("--stop-signal SIGHUP --stop-timeout -1 --init busybox", &s) == 0 &&
            s.stop_signal == 1 && s.has_stop_timeout && s.stop_timeout == -1 && s.init,
        "--stop-signal, --stop-timeout, --init");
  j = cocin_spec_to_json(&s);
  CHECK(cocin_spec_from_json(j, &s2, &err) == 0 && s2.stop_signal == 1 && s2.has_stop_timeout &&
            s2.stop_timeout == -1 && s2.init,
        "their round trip");
  cJSON_Delete(j);
  cocin_spec_free(&s2);
  cocin_spec_free(&s);
  CHECK(parse("--restart on-failure:3 busybox", &s) == 0 &&
            s.restart == COCIN_RESTART_ON_FAILURE && s.restart_max == 3,
        "--restart on-failure:3");
  j = cocin_spec_to_json(&s);
  CHECK(cocin_spec_from_json(j, &s2, &err) == 0 && s2.restart == COCIN_RESTART_ON_FAILURE &&
            s2.restart_max == 3,
        "its round trip");
  cJSON_Delete(j);
  cocin_spec_free(&s2);
  cocin_spec_free(&s);
  {
    const char *good[] = {"no", "always", "unless-stopped", "on-failure", "on-failure:0"};
    const int want[] = {COCIN_RESTART_NO, COCIN_RESTART_ALWAYS, COCIN_RESTART_UNLESS_STOPPED,
                        COCIN_RESTART_ON_FAILURE, COCIN_RESTART_ON_FAILURE};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
      int p = -1, m = -1;
      CHECK(cocin_restart_parse(good[i], &p, &m, "run", &err) == 0 && p == want[i] && m == 0,
            "--restart %s", good[i]);
    }
    const char *bad[] = {"", "yes", "always:1", "no:0", "on-failure:", "on-failure:x",
                         "on-failure:-1", "on-failure:+1", "on-failure: 1", "on-failure:\t1", "on-failure:1000001",
                         "On-failure", "on-failure:1:2"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
      int p = 7, m = 7;
      CHECK(cocin_restart_parse(bad[i], &p, &m, "run", &err) < 0 &&
                cocin_error_status(&err) == EINVAL && p == 7 && m == 7,
            "--restart \"%s\" refused, nothing set", bad[i]);
      cocin_error_release(&err);
    }
    cJSON *r = cJSON_Parse("{\"restartPolicy\":{\"name\":\"sometimes\"}}");
    int p, m;
    CHECK(cocin_spec_restart(r, &p, &m) < 0, "a record's unknown policy is an error");
    cJSON_Delete(r);
    r = cJSON_Parse("{\"restartPolicy\":{\"name\":\"on-failure\",\"maximumRetryCount\":-3}}");
    CHECK(cocin_spec_restart(r, &p, &m) < 0, "a record's negative maximum is an error");
    cJSON_Delete(r);
    CHECK(parse_err("--restart always --rm busybox") == EINVAL, "--restart with --rm refused");
    CHECK(!cocin_restart_applies(COCIN_RESTART_NO, 0, 1, 0) &&
              cocin_restart_applies(COCIN_RESTART_ALWAYS, 0, 0, 99) &&
              cocin_restart_applies(COCIN_RESTART_UNLESS_STOPPED, 0, 0, 0) &&
              !cocin_restart_applies(COCIN_RESTART_ON_FAILURE, 0, 0, 0) &&
              cocin_restart_applies(COCIN_RESTART_ON_FAILURE, 0, 3, 1000) &&
              cocin_restart_applies(COCIN_RESTART_ON_FAILURE, 2, 3, 1) &&
              !cocin_restart_applies(COCIN_RESTART_ON_FAILURE, 2, 3, 2),
          "which ends a policy restarts");
  }
  CHECK(parse("busybox", &s) == 0 && s.stop_signal == 0 && !s.has_stop_timeout && !s.init,
        "none given: TERM, 10 s, no init");
  j = cocin_spec_to_json(&s);
  CHECK(!cJSON_GetObjectItem(j, "stopSignal") && !cJSON_GetObjectItem(j, "stopTimeout") &&
            !cJSON_GetObjectItem(j, "init"),
        "none given: none recorded");
  cJSON_Delete(j);
  cocin_spec_free(&s);
  {
    unsigned long fl;
    cleanup_free char *data = NULL;
    CHECK(cocin_tmpfs_options(NULL, &fl, &data, &err) == 0 &&
              fl == (MS_NOEXEC | MS_NOSUID | MS_NODEV) && data == NULL,
          "tmpfs: noexec,nosuid,nodev by default");
    free(data);
    data = NULL;
    CHECK(cocin_tmpfs_options("exec,size=64m,mode=1777,uid=5,gid=6,ro", &fl, &data, &err) == 0 &&
              fl == (MS_NOSUID | MS_NODEV | MS_RDONLY) && data &&
              !strcmp(data, "size=64m,mode=1777,uid=5,gid=6"),
          "tmpfs: exec lifts noexec; size, mode, uid, gid for the kernel [%s]", data ? data : "");
    const char *bad[] = {"size=", "size=1x", "mode=9", "mode=17777", "uid=-1", "nr_inodes=5%",
                         "huge=always", "size=1m,,", "uid=4294967295", "size=9999999999999g"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
      cleanup_error cocin_error_t e = NULL;
      CHECK(cocin_tmpfs_options(bad[i], &fl, NULL, &e) < 0 && cocin_error_status(&e) == EINVAL,
            "tmpfs: %s refused", bad[i]);
    }
  }
  CHECK(parse("--tmpfs /run:size=1m --tmpfs //tmp/./x/ busybox", &s) == 0 && s.n_tmpfs == 2 &&
            !strcmp(s.tmpfs[0].dest, "/run") && !strcmp(s.tmpfs[0].options, "size=1m") &&
            !strcmp(s.tmpfs[1].dest, "/tmp/x") && s.tmpfs[1].options == NULL,
        "--tmpfs: paths tidied, options kept");
  j = cocin_spec_to_json(&s);
  CHECK(cocin_spec_from_json(j, &s2, &err) == 0 && s2.n_tmpfs == 2 &&
            !strcmp(s2.tmpfs[0].options, "size=1m") && !strcmp(s2.tmpfs[1].dest, "/tmp/x"),
        "--tmpfs round trip");
  cJSON_Delete(j);
  cocin_spec_free(&s2);
  cocin_spec_free(&s);
  CHECK(parse_err("--tmpfs /a --tmpfs /a busybox") == EINVAL &&
            parse_err("--tmpfs /a/../b busybox") == EINVAL &&
            parse_err("--tmpfs /proc/1 busybox") == EINVAL && parse_err("--tmpfs /proc busybox") == EINVAL,
        "--tmpfs twice at one place, with .., or in /proc, refused");
  CHECK(parse("--ulimit nofile=10:20 --ulimit core=-1 --ulimit stack=unlimited:unlimited --ulimit nofile=5 busybox", &s) == 0 &&
            s.n_ulimits == 3 && s.ulimits[0].soft == 5 && s.ulimits[0].hard == 5 &&
            s.ulimits[1].soft == COCIN_ULIMIT_UNLIMITED && s.ulimits[1].hard == COCIN_ULIMIT_UNLIMITED &&
            s.ulimits[2].hard == COCIN_ULIMIT_UNLIMITED,
        "--ulimit: HARD defaults to SOFT; -1 and unlimited; a later one for a name wins");
  j = cocin_spec_to_json(&s);
  CHECK(cocin_spec_from_json(j, &s2, &err) == 0 && s2.n_ulimits == 3 && s2.ulimits[0].soft == 5 &&
            s2.ulimits[1].soft == COCIN_ULIMIT_UNLIMITED,
        "--ulimit round trip");
  cJSON_Delete(j);
  cocin_spec_free(&s2);
  cocin_spec_free(&s);
  CHECK(parse_err("--ulimit nofile busybox") == EINVAL && parse_err("--ulimit nofile=x busybox") == EINVAL &&
            parse_err("--ulimit nofile=2:1 busybox") == EINVAL && parse_err("--ulimit =1 busybox") == EINVAL &&
            parse_err("--ulimit nofile=1: busybox") == EINVAL && parse_err("--ulimit nofile=-2 busybox") == EINVAL,
        "--ulimit: bad forms refused");
  CHECK(parse_err("--stop-signal 0 busybox") == EINVAL && parse_err("--stop-timeout x busybox") == EINVAL,
        "--stop-signal 0 and --stop-timeout x refused");
  CHECK(parse_err("--network bridge busybox") == EINVAL, "bridge refused");
  CHECK(parse("--network container:web busybox", &s) == 0 && !s.host_network &&
            s.net_container && !strcmp(s.net_container, "web"),
        "--network container:NAME");
  j = cocin_spec_to_json(&s);
  CHECK(cocin_spec_from_json(j, &s2, &err) == 0 && s2.net_container &&
            !strcmp(s2.net_container, "web") && !s2.host_network,
        "container:NAME round trip");
  cJSON_Delete(j);
  cocin_spec_free(&s2);
  cocin_spec_free(&s);
  CHECK(parse("--network container:web --network none busybox", &s) == 0 && !s.net_container,
        "the last mode wins");
  cocin_spec_free(&s);
  CHECK(parse_err("--network container: busybox") == EINVAL &&
            parse_err("--network container:../x busybox") == EINVAL,
        "container: with no or a bad name refused");
  CHECK(parse_err("--network container:web -h x busybox") == EINVAL &&
            parse_err("--network container:web -p 8:80 busybox") == EINVAL,
        "container:NAME with -h or -p refused");
  CHECK(parse_err("--network= busybox") == EINVAL, "empty mode refused");
  CHECK(parse_err("--network") == EINVAL, "mode missing");
  CHECK(parse("-p 8080:80 --publish=127.0.0.1:8081:81/tcp busybox", &s) == 0 && s.n_ports == 2 &&
            s.ports[0].host_ip == 0 && s.ports[0].host_port == 8080 &&
            s.ports[0].container_port == 80 && s.ports[1].host_ip == htonl(0x7f000001) &&
            s.ports[1].host_port == 8081 && s.ports[1].container_port == 81,
        "-p HOSTPORT:PORT and IP:HOSTPORT:PORT/tcp");
  s.ports[0].v6 = true; /* (run's, once [::] listens too) */
  j = cocin_spec_to_json(&s);
  CHECK(cocin_spec_from_json(j, &s2, &err) == 0 && s2.n_ports == 2 &&
            s2.ports[1].host_ip == s.ports[1].host_ip && s2.ports[1].host_port == 8081 &&
            s2.ports[1].container_port == 81 && s2.ports[0].v6 && !s2.ports[1].v6,
        "published ports round trip, [::]'s noted");
  cJSON_Delete(j);
  cocin_spec_free(&s2);
  cocin_spec_free(&s);
  CHECK(parse_err("-p 80 busybox") == EINVAL && parse_err("-p 0:80 busybox") == EINVAL &&
            parse_err("-p 65536:80 busybox") == EINVAL && parse_err("-p 80:80/udp busybox") == EINVAL &&
            parse_err("-p x.y:80:80 busybox") == EINVAL && parse_err("-p 8:80 -p 8:81 busybox") == EINVAL &&
            parse_err("-p 127.0.0.1:8:80 -p 8:81 busybox") == EINVAL &&
            parse_err("-p :80 busybox") == EINVAL && parse_err("-p 1.2.3.4::80 busybox") == EINVAL &&
            parse_err("-p 8:80/ busybox") == EINVAL && parse_err("-p 8:80/sctp busybox") == EINVAL,
        "bad -p values refused");
  CHECK(parse("--add-host db:10.0.0.5 --add-host six:fd00::1 busybox", &s) == 0 &&
            strv_len(s.extra_hosts) == 2 && !strcmp(s.extra_hosts[1], "six:fd00::1"),
        "--add-host NAME:IP, IPv6 too");
  j = cocin_spec_to_json(&s);
  CHECK(cocin_spec_from_json(j, &s2, &err) == 0 && strv_len(s2.extra_hosts) == 2,
        "--add-host round trip");
  cJSON_Delete(j);
  cocin_spec_free(&s2);
  cocin_spec_free(&s);
  CHECK(parse_err("--add-host db busybox") == EINVAL && parse_err("--add-host db:x busybox") == EINVAL &&
            parse_err("--add-host :1.2.3.4 busybox") == EINVAL &&
            parse_err("--add-host db:host-gateway busybox") == EINVAL,
        "bad --add-host refused");
  CHECK(parse_err("-p 8:80/TCP busybox") == 0, "/TCP taken, as docker takes it");
  CHECK(parse_err("-P busybox") == EINVAL, "-P refused (cocin's images declare no ports)");
  CHECK(parse_err("--network host -p 8:80 busybox") == EINVAL, "-p with the host's network");
  CHECK(parse("--sysctl net.ipv4.ip_forward=1 --sysctl kernel.shmmax=5 --sysctl "
              "net.ipv4.ip_forward=0 --group-add 10 --group-add staff --shm-size 1m busybox",
              &s) == 0 &&
            strv_len(s.sysctls) == 2 && !strcmp(s.sysctls[0], "net.ipv4.ip_forward=0") &&
            strv_len(s.group_add) == 2 && s.shm_size == 1 << 20,
        "--sysctl (a later one for a key wins), --group-add, --shm-size");
  j = cocin_spec_to_json(&s);
  CHECK(cocin_spec_from_json(j, &s2, &err) == 0 && strv_len(s2.sysctls) == 2 &&
            !strcmp(s2.sysctls[1], "kernel.shmmax=5") && strv_len(s2.group_add) == 2 &&
            !strcmp(s2.group_add[1], "staff") && s2.shm_size == 1 << 20,
        "--sysctl, --group-add, --shm-size round trip");
  cJSON_Delete(j);
  cocin_spec_free(&s2);
  cocin_spec_free(&s);
  {
    struct cocin_detach_keys k;
    CHECK(cocin_detach_keys_parse("ctrl-p,ctrl-q", &k) && k.len == 2 && k.seq[0] == 0x10 &&
              k.seq[1] == 0x11,
          "detach keys: ctrl-p,ctrl-q");
    CHECK(cocin_detach_keys_parse("ctrl-A,d,ctrl-@,ctrl-_", &k) && k.len == 4 && k.seq[0] == 1 &&
              k.seq[1] == 'd' && k.seq[2] == 0 && k.seq[3] == 0x1f,
          "detach keys: case, a character, ctrl-@ and ctrl-_");
    CHECK(!cocin_detach_keys_parse("ctrl-1", &k) && !cocin_detach_keys_parse("ab", &k) &&
              !cocin_detach_keys_parse("a,", &k) && !cocin_detach_keys_parse("", &k) &&
              !cocin_detach_keys_parse("a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a", &k),
          "detach keys: ctrl-1, two characters, an empty one, 17 keys refused");
    CHECK(cocin_detach_keys_parse("a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a", &k) && k.len == 16,
          "detach keys: 16 keys taken");
    CHECK(parse("-it --detach-keys ctrl-a,d busybox", &s) == 0 && s.detach_keys.len == 2 &&
              s.detach_keys.seq[0] == 1,
          "run --detach-keys");
    cocin_spec_free(&s);
    CHECK(parse_err("--detach-keys ctrl-1 busybox") == EINVAL, "run --detach-keys ctrl-1 refused");
  }
  { /* the monitor's status lines, through a real pipe (in pieces) */
    int p[2];
    CHECK(pipe2(p, O_NONBLOCK) == 0, "status line: pipe");
    struct cocin_monitor_line l = {.n = 0};
    const char *why = NULL;
    CHECK(write(p[1], "EXI", 3) == 3 && !cocin_monitor_line_step(p[0], &l) &&
              write(p[1], "T 137\n", 6) == 6 && cocin_monitor_line_step(p[0], &l) &&
              cocin_monitor_line_parse(&l, &why) == 137,
          "status line: EXIT 137 in two pieces");
    CHECK(fcntl(p[0], F_SETFL, 0) == 0, "status line: the pipe blocking again");
    struct cocin_monitor_line d = {.n = 0};
    CHECK(write(p[1], "DETACHED\n", 9) == 9 && cocin_monitor_line_read(p[0], &why, &d) == COCIN_DETACHED,
          "status line: DETACHED");
    struct cocin_monitor_line r = {.n = 0};
    CHECK(write(p[1], "NODETACH no log\n", 16) == 16 &&
              cocin_monitor_line_read(p[0], &why, &r) == COCIN_DETACH_REFUSED && !strcmp(why, "no log"),
          "status line: NODETACH and its reason");
    struct cocin_monitor_line b = {.n = 0};
    CHECK(write(p[1], "EXIT 3x\nEXIT 4294967299\nEXIT -1\nEXIT 7\n", 39) == 39 &&
              cocin_monitor_line_read(p[0], NULL, &b) == -1,
          "status line: EXIT 3x not understood");
    struct cocin_monitor_line b2 = {.n = 0}, b3 = {.n = 0}, b4 = {.n = 0};
    CHECK(cocin_monitor_line_read(p[0], NULL, &b2) == -1 &&
              cocin_monitor_line_read(p[0], NULL, &b3) == -1,
          "status line: EXIT beyond an int, EXIT -1 not understood");
    CHECK(cocin_monitor_line_read(p[0], NULL, &b4) == 7,
          "status line: a line after another is not lost (one byte at a time)");
    close(p[1]);
    struct cocin_monitor_line e = {.n = 0};
    CHECK(cocin_monitor_line_read(p[0], NULL, &e) == -1 && e.done && e.n == 0,
          "status line: the end (the monitor gone) is -1, empty");
    close(p[0]);
  }
  CHECK(parse("--device /dev/fuse --device /dev/null:/dev/x/n:r --device /dev/zero:/dev/z0:rw "
              "--device /dev/null:/dev/shmx busybox",
              &s) == 0 &&
            s.n_devices == 4 && !strcmp(s.devices[0].dest, "/dev/fuse") &&
            !strcmp(s.devices[0].rule.access, "rwm") && !strcmp(s.devices[1].host, "/dev/null") &&
            !strcmp(s.devices[1].dest, "/dev/x/n") && !strcmp(s.devices[1].rule.access, "r") &&
            !strcmp(s.devices[2].dest, "/dev/z0") && !strcmp(s.devices[2].rule.access, "rw"),
        "--device HOST, HOST:CONTAINER:PERMS");
  j = cocin_spec_to_json(&s);
  CHECK(cocin_spec_from_json(j, &s2, &err) == 0 && s2.n_devices == 4 &&
            !strcmp(s2.devices[1].dest, "/dev/x/n") && !strcmp(s2.devices[1].rule.access, "r"),
        "--device round trip");
  CHECK(cocin_devices_resolve(&s2, &err) == 0 && s2.n_device_nodes == 4 &&
            s2.device_nodes[1].rule.type == 'c' && s2.device_nodes[1].rule.major == 1 &&
            s2.device_nodes[1].rule.minor == 3 && !strcmp(s2.device_nodes[1].rule.access, "r") &&
            s2.limits.n_devices == 4 && s2.limits.devices[2].minor == 5,
        "--device resolved: the host node's numbers, lent to the limits");
  cJSON_Delete(j);
  cocin_spec_free(&s2);
  cocin_spec_free(&s);
  CHECK(parse("--device /dev/kvm::rw --device /dev/sda:m busybox", &s) == 0 && s.n_devices == 2 &&
            !strcmp(s.devices[0].dest, "/dev/kvm") && !strcmp(s.devices[0].rule.access, "rw") &&
            !strcmp(s.devices[1].dest, "/dev/sda") && !strcmp(s.devices[1].rule.access, "m"),
        "--device HOST::PERMS (an empty CONTAINER is HOST), HOST:PERMS");
  cocin_spec_free(&s);
  CHECK(parse_err("--device dev/fuse busybox") == EINVAL &&
            parse_err("--device /dev/fuse:/tmp/f busybox") == EINVAL &&
            parse_err("--device /dev/fuse:/dev/../etc/f busybox") == EINVAL &&
            parse_err("--device /dev/fuse:rwx busybox") == EINVAL &&
            parse_err("--device /dev/fuse:rr busybox") == EINVAL &&
            parse_err("--device /dev/fuse:/dev/f: busybox") == EINVAL &&
            parse_err("--device /dev/fuse:/dev/f:r:x busybox") == EINVAL &&
            parse_err("--device /dev/fuse --device /dev/null:/dev/fuse busybox") == EINVAL &&
            parse_err("--device /dev/fuse:/dev/shm/f busybox") == EINVAL &&
            parse_err("--device /dev/fuse:/dev/pts busybox") == EINVAL &&
            parse_err("--device /dev/fuse:/dev/null busybox") == EINVAL &&
            parse_err("--device /dev/fuse:fuse busybox") == EINVAL,
        "bad --device refused");
  {
    struct cocin_spec d;
    CHECK(parse("--device /dev/nonexistent-x busybox", &d) == 0 &&
              cocin_devices_resolve(&d, &err) < 0 && cocin_error_status(&err) == ENOENT,
          "--device of no such node: ENOENT at the start");
    cocin_error_release(&err);
    cocin_spec_free(&d);
    CHECK(parse("--device /etc/hostname:/dev/h busybox", &d) == 0 &&
              cocin_devices_resolve(&d, &err) < 0 && cocin_error_status(&err) == EINVAL,
          "--device of a file: EINVAL at the start");
    cocin_error_release(&err);
    cocin_spec_free(&d);
    /* a directory: every device below it, in name order; links, files
     * passed over */
    char dir[] = "/tmp/cocin-unit-dev.XXXXXX";
    if (mkdtemp(dir) == NULL) {
      CHECK(0, "mkdtemp");
    } else {
      cleanup_free char *n = xasprintf("%s/n", dir), *sub = xasprintf("%s/sub", dir);
      cleanup_free char *z = xasprintf("%s/sub/z", dir), *l = xasprintf("%s/l", dir);
      cleanup_free char *f = xasprintf("%s/f", dir);
      cleanup_free char *args = xasprintf("--device %s:/dev/p:rw busybox", dir);
      bool made = mknod(n, S_IFCHR | 0600, makedev(1, 3)) == 0 && mkdir(sub, 0755) == 0 &&
                  mknod(z, S_IFBLK | 0640, makedev(7, 0)) == 0 && symlink("/dev/zero", l) == 0 &&
                  close(open(f, O_CREAT | O_WRONLY | O_CLOEXEC, 0644)) == 0;
      CHECK(made && parse(args, &d) == 0 && cocin_devices_resolve(&d, &err) == 0 &&
                d.n_devices == 1 && d.n_device_nodes == 2 &&
                !strcmp(d.device_nodes[0].dest, "/dev/p/n") && d.device_nodes[0].mode == 0600 &&
                !strcmp(d.device_nodes[1].dest, "/dev/p/sub/z") &&
                d.device_nodes[1].rule.type == 'b' && d.device_nodes[1].rule.major == 7 &&
                !strcmp(d.device_nodes[1].rule.access, "rw") && d.limits.n_devices == 2 &&
                d.limits.devices[1].type == 'b',
            "--device of a directory: its devices below it");
      cocin_error_release(&err);
      cocin_spec_free(&d);
      unlink(n);
      unlink(z);
      unlink(l);
      unlink(f);
      rmdir(sub);
      rmdir(dir);
    }
  }
  CHECK(parse("--ipc host --uts host busybox", &s) == 0 && s.host_ipc && s.host_uts && s.hostname,
        "--ipc host, --uts host (the host's hostname)");
  j = cocin_spec_to_json(&s);
  CHECK(cocin_spec_from_json(j, &s2, &err) == 0 && s2.host_ipc && s2.host_uts,
        "--ipc host, --uts host round trip");
  cJSON_Delete(j);
  cocin_spec_free(&s2);
  cocin_spec_free(&s);
  CHECK(parse("--ipc host --ipc private busybox", &s) == 0 && !s.host_ipc, "the last --ipc wins");
  cocin_spec_free(&s);
  CHECK(parse_err("--ipc none busybox") == EINVAL && parse_err("--uts x busybox") == EINVAL &&
            parse_err("--uts host -h x busybox") == EINVAL &&
            parse_err("--ipc host --shm-size 1m busybox") == EINVAL &&
            parse_err("--ipc host --sysctl kernel.sem=1 busybox") == EINVAL &&
            parse_err("--ipc host --sysctl fs.mqueue.msg_max=20 busybox") == EINVAL &&
            parse_err("--ipc host --sysctl net.ipv4.ip_forward=1 busybox") == 0,
        "bad --ipc, --uts and what conflicts with them refused");
  CHECK(parse("--shm-size 0 busybox", &s) == 0 && s.shm_size == 0, "--shm-size 0: the default");
  cocin_spec_free(&s);
  CHECK(parse_err("--sysctl vm.swappiness=1 busybox") == EPERM &&
            parse_err("--sysctl kernel.hostname=x busybox") == EPERM &&
            parse_err("--sysctl kernel.domainname=x busybox") == EPERM &&
            parse_err("--sysctl net..x=1 busybox") == EINVAL &&
            parse_err("--sysctl net.a/../../b=1 busybox") == EINVAL &&
            parse_err("--sysctl net.x busybox") == EINVAL &&
            parse_err("--sysctl net.=1 busybox") == EINVAL &&
            parse_err("--network host --sysctl net.ipv4.ip_forward=1 busybox") == EINVAL &&
            parse_err("--sysctl net.ipv4.ip_forward=1 --network container:web busybox") == EINVAL &&
            parse_err("--group-add a:b busybox") == EINVAL && parse_err("--group-add= busybox") == EINVAL &&
            parse_err("--shm-size -1 busybox") == EINVAL,
        "bad --sysctl, --group-add, --shm-size refused");
  {
    /* a record edited by hand is held to the same rules */
    static const char *const bad_records[] = {
        "{\"name\":\"x\",\"network\":\"host\",\"sysctls\":{\"net.ipv4.ip_forward\":\"0\"}}",
        "{\"name\":\"x\",\"sysctls\":{\"vm.swappiness\":\"1\"}}",
        "{\"name\":\"x\",\"sysctls\":{\"net.a/../../b\":\"1\"}}",
        "{\"name\":\"x\",\"sysctls\":\"net.x=1\"}",
        "{\"name\":\"x\",\"groupAdd\":\"staff\"}",
        "{\"name\":\"x\",\"groupAdd\":[\"a:b\"]}",
        "{\"name\":\"x\",\"shmSize\":0}",
        "{\"name\":\"x\",\"devices\":[{\"pathOnHost\":\"/dev/null\",\"pathInContainer\":\"/etc/x\",\"cgroupPermissions\":\"rwm\"}]}",
        "{\"name\":\"x\",\"devices\":[{\"pathOnHost\":\"/dev/null\"}]}",
        "{\"name\":\"x\",\"devices\":{}}",
        "{\"name\":\"x\",\"ipc\":\"none\"}",
        "{\"name\":\"x\",\"ipc\":\"host\",\"sysctls\":{\"kernel.sem\":\"1\"}}",
        NULL};
    for (const char *const *r = bad_records; *r; r++) {
      cJSON *bad = cJSON_Parse(*r);
      CHECK(bad && cocin_spec_from_json(bad, &s2, &err) < 0, "record refused: %s", *r);
      cJSON_Delete(bad);
      cocin_spec_free(&s2);
      cocin_error_release(&err);
    }
  }
  {
    cJSON *bad = cJSON_Parse("{\"name\":\"x\",\"network\":\"bridge\"}");
    CHECK(cocin_spec_from_json(bad, &s2, &err) < 0, "an unknown mode in a record is refused");
    cJSON_Delete(bad);
    cocin_spec_free(&s2);
    cocin_error_release(&err);
  }

  CHECK(parse("busybox echo -d --name x", &s) == 0 && !s.detach && s.name == NULL,
        "flags after the image belong to the command");
  cocin_spec_free(&s);

  CHECK(parse_err("--bogus busybox") == EINVAL, "unknown flag");
  CHECK(parse_err("-x busybox") == EINVAL, "unknown short flag");
  CHECK(parse_err("--name") == EINVAL, "missing flag value");
  CHECK(parse_err("-d") == EINVAL, "missing image");
  CHECK(parse_err("--name ../x busybox") == EINVAL, "name with ..");
  CHECK(parse_err("--name a/b busybox") == EINVAL, "name with /");
  CHECK(parse_err("--name '' busybox") == EINVAL, "empty name");
  CHECK(parse_err("--name ctl busybox") == EINVAL, "reserved name");
  char line[400] = "--name ";
  memset(line + 7, 'a', 200);
  strcpy(line + 207, " busybox");
  CHECK(parse_err(line) == EINVAL, "200-character name");
  CHECK(parse_err("-e NOEQUALS busybox") == EINVAL, "env without =");
  CHECK(parse_err("-v /nonexistent-cocin:/x busybox") == ENOENT, "missing volume source");
  CHECK(parse_err("-v ./relative:/x busybox") == EINVAL, "relative host path");
  CHECK(parse_err("-v rel/ative:/x busybox") == EINVAL, "a volume name with a slash");
  CHECK(parse_err("-v a:/x busybox") == EINVAL, "a volume name of one character");
  CHECK(parse_err("-v data busybox") == EINVAL, "an anonymous volume at a relative path");
  CHECK(parse_err("-v data:/x:bogus busybox") == EINVAL, "a named volume with a bad option");
  CHECK(parse_err("-v /tmp:/x:bogus busybox") == EINVAL, "bad volume mode");
  CHECK(parse_err("-v /tmp:/../etc busybox") == EINVAL, "volume with ..");
  CHECK(parse_err("-w rel busybox") == EINVAL, "relative workdir");
  CHECK(parse_err("-u bob:staff busybox") == 0, "user and group names (looked up at the start)");
  CHECK(parse_err("-u 'b ob' busybox") == EINVAL, "a user that is no name");
  CHECK(parse_err("-u bob: busybox") == EINVAL, "an empty group");
  CHECK(parse_err("-u :0 busybox") == EINVAL, "an empty user");
  CHECK(parse_err("-u -1 busybox") == EINVAL, "a user starting with -");
  CHECK(parse_err("busy/box") == EINVAL, "invalid image name");
  CHECK(parse("--help", &s) == 0 && s.help, "--help");
  cocin_spec_free(&s);

  /* run's option table names the limit and security flags again (it needs
   * their short forms and argument kinds): every flag the libraries own
   * must be reachable through it */
  {
    /* (in cocin_limit_flags' order: memory, memory-swap, cpus, cpu-period,
     * cpu-quota, cpu-shares, cpuset-cpus, cpuset-mems, pids-limit) */
    static const char *const sample[] = {"64m",  "128m", "0.5", "50000", "20000",
                                         "512", "0",    "0",   "20",    NULL};
    size_t k = 0;
    for (const char *const *f = cocin_limit_flags; *f; f++, k++) {
      cleanup_free char *l = xasprintf("-m 64m --%s %s busybox", *f, sample[k] ? sample[k] : "1");
      int e = parse_err(l);
      CHECK(e == 0, "run accepts --%s (errno %d)", *f, e);
    }
    for (const char *const *f = cocin_security_bool_flags; *f; f++) {
      cleanup_free char *l = xasprintf("--%s busybox", *f);
      CHECK(parse_err(l) == 0, "run accepts --%s", *f);
    }
    CHECK(parse_err("--cap-add NET_ADMIN --cap-drop CHOWN --security-opt no-new-privileges busybox") == 0,
          "run accepts --cap-add, --cap-drop, --security-opt");
    size_t nsec = 0;
    for (const char *const *f = cocin_security_flags; *f; f++)
      nsec++;
    CHECK(nsec == 3, "the security value flags are the three run knows");
  }

  /* small verbs */
  {
    char *a[] = {"-t", "3", "a", "b", NULL};
    int t, sig;
    cleanup_strv char **names = NULL;
    CHECK(cocin_parse_stop(4, a, &t, &sig, &names, &err) == 0 && t == 3 && sig == 0 &&
              strv_len(names) == 2,
          "stop -t 3 a b");
  }
  {
    char *a[] = {"-s", "INT", "a", "--signal=SIGHUP", NULL};
    int t, sig;
    cleanup_strv char **names = NULL;
    CHECK(cocin_parse_stop(4, a, &t, &sig, &names, &err) == 0 && sig == SIGHUP &&
              t == COCIN_TIMEOUT_DEFAULT && strv_len(names) == 1,
          "stop -s INT a --signal=SIGHUP: the last signal given");
  }
  {
    char *a[] = {"-s", "BOGUS", "a", NULL};
    int t, sig;
    cleanup_strv char **names = NULL;
    cleanup_error cocin_error_t e = NULL;
    CHECK(cocin_parse_restart(3, a, &t, &sig, &names, &e) < 0 &&
              strstr(cocin_error_msg(&e), "restart: invalid signal \"BOGUS\"") != NULL,
          "restart -s BOGUS fails, naming restart");
  }
  {
    char *a[] = {"-t", "x", "a", NULL};
    int t, sig;
    cleanup_strv char **names = NULL;
    cleanup_error cocin_error_t e = NULL;
    CHECK(cocin_parse_stop(3, a, &t, &sig, &names, &e) < 0, "stop -t x fails");
  }
  {
    char *a[] = {"-t", "-1", "a", NULL};
    int t, sig;
    cleanup_strv char **names = NULL;
    CHECK(cocin_parse_stop(3, a, &t, &sig, &names, &err) == 0 && t == -1, "stop -t -1: no limit");
  }
  {
    char *a[] = {"-t", "-2", "a", NULL};
    int t, sig;
    cleanup_strv char **names = NULL;
    cleanup_error cocin_error_t e = NULL;
    CHECK(cocin_parse_stop(3, a, &t, &sig, &names, &e) < 0, "stop -t -2 fails");
  }
  {
    char *a[] = {"--time", "0", "a", NULL};
    int t, sig;
    cleanup_strv char **names = NULL;
    CHECK(cocin_parse_restart(3, a, &t, &sig, &names, &err) == 0 && t == 0 && strv_len(names) == 1,
          "restart --time 0 a");
  }
  {
    char *a[] = {"-t", "x", "a", NULL};
    int t, sig;
    cleanup_strv char **names = NULL;
    cleanup_error cocin_error_t e = NULL;
    CHECK(cocin_parse_restart(3, a, &t, &sig, &names, &e) < 0 &&
              strstr(cocin_error_msg(&e), "restart: invalid timeout") != NULL,
          "restart -t x fails, naming restart");
  }
  {
    char *a[] = {"a", "b", NULL};
    cleanup_strv char **names = NULL;
    CHECK(cocin_parse_names("pause", 2, a, &names, &err) == 0 && strv_len(names) == 2,
          "pause a b");
  }
  {
    char *a[] = {"-a", "x", NULL};
    cleanup_strv char **names = NULL;
    cleanup_error cocin_error_t e = NULL;
    CHECK(cocin_parse_names("start", 2, a, &names, &e) < 0, "start -a fails (no flags)");
  }
  {
    cleanup_strv char **names = NULL;
    cleanup_error cocin_error_t e = NULL;
    CHECK(cocin_parse_names("unpause", 0, NULL, &names, &e) < 0 &&
              strstr(cocin_error_msg(&e), "unpause: requires at least one") != NULL,
          "unpause without a name fails");
  }
  {
    char *a[] = {"-s", "HUP", "a", NULL};
    int sig;
    cleanup_strv char **names = NULL;
    CHECK(cocin_parse_kill(3, a, &sig, &names, &err) == 0 && sig == 1, "kill -s HUP");
  }
  {
    char *a[] = {"-s", "NOPE", "a", NULL};
    int sig;
    cleanup_strv char **names = NULL;
    cleanup_error cocin_error_t e = NULL;
    CHECK(cocin_parse_kill(3, a, &sig, &names, &e) < 0, "kill -s NOPE fails");
  }
  {
    char *a[] = {"-f", NULL};
    unsigned f;
    cleanup_strv char **names = NULL;
    cleanup_error cocin_error_t e = NULL;
    CHECK(cocin_parse_rm(1, a, &f, &names, &e) < 0, "rm without a name fails");
  }
  /* flags after the names, as docker's verbs take them (run and exec: not) */
  {
    char *a[] = {"web", "-f", "db", NULL};
    unsigned f;
    cleanup_strv char **names = NULL;
    CHECK(cocin_parse_rm(3, a, &f, &names, &err) == 0 && f == COCIN_RM_FORCE &&
              strv_len(names) == 2 && !strcmp(names[0], "web") && !strcmp(names[1], "db"),
          "rm web -f db: both names, in order, and -f");
  }
  {
    char *a[] = {"-v", "web", "--force", NULL};
    unsigned f;
    cleanup_strv char **names = NULL;
    CHECK(cocin_parse_rm(3, a, &f, &names, &err) == 0 &&
              f == (COCIN_RM_FORCE | COCIN_RM_VOLUMES) && strv_len(names) == 1,
          "rm -v web --force: -v and -f");
  }
  {
    char *a[] = {"a", "-t", "2", "b", "--", "-c", NULL};
    int t, sig;
    cleanup_strv char **names = NULL;
    CHECK(cocin_parse_stop(6, a, &t, &sig, &names, &err) == 0 && t == 2 && strv_len(names) == 3 &&
              !strcmp(names[0], "a") && !strcmp(names[1], "b") && !strcmp(names[2], "-c"),
          "stop a -t 2 b -- -c: the timeout's value is no name; after -- a word is a name");
  }
  {
    char *a[] = {"a", "-t", NULL};
    int t, sig;
    cleanup_strv char **names = NULL;
    cleanup_error cocin_error_t e = NULL;
    CHECK(cocin_parse_stop(2, a, &t, &sig, &names, &e) < 0 &&
              strstr(cocin_error_msg(&e), "flag needs an argument: -t") != NULL,
          "stop a -t: the flag at the end still needs its value");
  }
  {
    char *a[] = {"a", "-x", NULL};
    cleanup_strv char **names = NULL;
    cleanup_error cocin_error_t e = NULL;
    CHECK(cocin_parse_names("pause", 2, a, &names, &e) < 0 &&
              strstr(cocin_error_msg(&e), "pause: unknown shorthand flag: 'x' in -x") != NULL,
          "pause a -x: an unknown flag after the name is refused");
  }
  {
    char *a[] = {"web", "img", "-", NULL};
    cleanup_free char *name = NULL, *image = NULL;
    cleanup_error cocin_error_t e = NULL;
    CHECK(cocin_parse_commit(3, a, &name, &image, &e) < 0, "commit web img -: '-' is a word");
  }
  CHECK(cocin_signal_parse("SIGTERM") == 15 && cocin_signal_parse("kill") == 9 &&
            cocin_signal_parse("10") == 10 && cocin_signal_parse("0") == 0,
        "signal names");
  return tap_done();
}
