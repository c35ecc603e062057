#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cocin/cleanup.h"
#include "cocin/state.h"
#include "cocin/util.h"
#include "tap.h"

int main(void)
{
  char tmpl[] = "/tmp/cocin-unit-XXXXXX";
  char *root = mkdtemp(tmpl);
  cleanup_error cocin_error_t err = NULL;
  char id1[65], id2[65];
  CHECK(cocin_random_id(id1, &err) == 0 && cocin_random_id(id2, &err) == 0 &&
            strlen(id1) == 64 && strcmp(id1, id2),
        "random ids are 64 hex and differ");

  cJSON *cfg = NULL;
  CHECK(cocin_state_load(root, "nope", &cfg, &err) < 0 && cocin_error_status(&err) == ENOENT,
        "loading a missing container is ENOENT");
  cocin_error_release(&err);
  CHECK(cocin_state_load(root, "../etc", &cfg, &err) < 0 && cocin_error_status(&err) == ENOENT,
        "a name with .. never reaches the filesystem");
  cocin_error_release(&err);

  cleanup_free char *dir = cocin_container_dir(root, "web");
  cleanup_free char *cdir = xasprintf("%s/containers", root);
  mkdir(cdir, 0700);
  mkdir(dir, 0700);
  cJSON *j = cJSON_CreateObject();
  cj_set_str(j, "name", "web");
  cj_set_str(j, "status", "exited");
  cj_set_num(j, "exitCode", 3);
  cj_set_str(j, "createTime", "2026-01-01T00:00:00.000000000Z");
  cj_set_str(j, "finishedAt", "2026-01-01T00:00:05.000000000Z");
  CHECK(cocin_state_save(root, "web", j, &err) == 0, "save");
  cJSON_Delete(j);
  CHECK(cocin_state_load(root, "web", &cfg, &err) == 0, "load");
  cleanup_free char *line = cocin_status_line(cfg);
  CHECK(!strncmp(line, "exited 3 at 2026-01-01T00:00:05", 31), "status line: %s", line);
  cleanup_free char *human = cocin_status_human(cfg);
  CHECK(!strncmp(human, "Exited (3) ", 11), "human status: %s", human);
  cJSON_Delete(cfg);

  /* a running record whose process is gone is fixed on load */
  j = cJSON_CreateObject();
  cj_set_str(j, "status", "running");
  cj_set_num(j, "pid", 999999);
  CHECK(cocin_state_save(root, "web", j, &err) == 0, "save running");
  cJSON_Delete(j);
  CHECK(cocin_state_load(root, "web", &cfg, &err) == 0 && !strcmp(cj_str(cfg, "status"), "exited") &&
            cj_int(cfg, "exitCode", 0) == -1,
        "a vanished running container is reported exited -1");
  cJSON_Delete(cfg);

  /* a "created" record whose creator died before any monitor took over */
  j = cJSON_CreateObject();
  cj_set_str(j, "status", "created");
  cj_set_num(j, "creatorPid", 999999);
  cj_set_num(j, "creatorStartTime", 1);
  CHECK(cocin_state_save(root, "web", j, &err) == 0, "save created");
  cJSON_Delete(j);
  CHECK(cocin_state_load(root, "web", &cfg, &err) == 0 && !strcmp(cj_str(cfg, "status"), "exited"),
        "an abandoned created container is reported exited");
  cJSON_Delete(cfg);
  /* ... but not while its creator lives */
  j = cJSON_CreateObject();
  cj_set_str(j, "status", "created");
  cj_set_num(j, "creatorPid", getpid());
  cj_set_num(j, "creatorStartTime", (double)proc_start_time(getpid()));
  CHECK(cocin_state_save(root, "web", j, &err) == 0, "save created by us");
  cJSON_Delete(j);
  CHECK(cocin_state_load(root, "web", &cfg, &err) == 0 && !strcmp(cj_str(cfg, "status"), "created"),
        "a created container whose creator lives stays created");
  cJSON_Delete(cfg);
  /* a "created" record whose monitor died after its init was ready: the
   * init (here: we) runs on, and is reported running */
  j = cJSON_CreateObject();
  cj_set_str(j, "status", "created");
  cj_set_num(j, "creatorPid", 999999);
  cj_set_num(j, "creatorStartTime", 1);
  cj_set_num(j, "pid", getpid());
  cj_set_num(j, "pidStartTime", (double)proc_start_time(getpid()));
  CHECK(cocin_state_save(root, "web", j, &err) == 0, "save created with a live init");
  cJSON_Delete(j);
  CHECK(cocin_state_load(root, "web", &cfg, &err) == 0 && !strcmp(cj_str(cfg, "status"), "running"),
        "an unwatched init is reported running");
  cJSON_Delete(cfg);
  /* JSON that is no record cocin wrote: corrupt, never "created" for ever */
  static const char *const bad[] = {"{\"id\":\"x\"}\n", "[1,2,3]\n", "\"running\"\n"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    cleanup_free char *p = cocin_container_file(root, "web", "config.json");
    CHECK(write_file_atomic(p, bad[i], strlen(bad[i]), 0644, &err) == 0, "write bad record %zu", i);
    cfg = NULL;
    CHECK(cocin_state_load(root, "web", &cfg, &err) < 0 && cocin_error_status(&err) == EIO,
          "bad record %zu is corrupt", i);
    cocin_error_release(&err);
    cJSON_Delete(cfg);
  }

  /* each way of writing replaces the content whole and leaves no
   * temporary file: the exchange too, where the file exists or not */
  {
    static const enum write_mode modes[] = {WRITE_PLAIN, WRITE_DURABLE, WRITE_DISPOSABLE};
    cleanup_free char *wdir = xasprintf("%s/w", root);
    cleanup_free char *wf = xasprintf("%s/f", wdir);
    for (size_t m = 0; m < 3; m++) {
      mkdir(wdir, 0700);
      for (int round = 0; round < 2; round++) { /* new file, then over it */
        cleanup_free char *text = xasprintf("mode %zu round %d\n", m, round);
        cleanup_free char *got = NULL;
        CHECK(write_file_atomic_flags(wf, text, strlen(text), 0600, modes[m], &err) == 0 &&
                  read_all_file(wf, &got, NULL, &err) == 0 && !strcmp(got, text),
              "write mode %zu, %s file: content replaced", m, round ? "an existing" : "a new");
        struct stat st;
        CHECK(stat(wf, &st) == 0 && (st.st_mode & 0777) == 0600, "write mode %zu: mode kept", m);
      }
      int n = 0;
      DIR *d = opendir(wdir);
      for (struct dirent *e; d && (e = readdir(d));)
        n += e->d_name[0] != '.';
      if (d)
        closedir(d);
      CHECK(n == 1, "write mode %zu: no temporary file left (%d files)", m, n);
      rm_rf(wdir, NULL);
    }
  }

  cleanup_strv char **names = NULL;
  cleanup_free char *incomplete = xasprintf("%s/containers/incomplete", root);
  mkdir(incomplete, 0700);
  CHECK(cocin_state_list(root, &names, &err) == 0 && strv_len(names) == 1 &&
            !strcmp(names[0], "web"),
        "list skips directories without config.json");

  CHECK(cocin_name_check("a", NULL) == 0 && cocin_name_check("web-1.x_y", NULL) == 0,
        "valid names");
  CHECK(cocin_name_check("-a", NULL) < 0 && cocin_name_check(".a", NULL) < 0 &&
            cocin_name_check("a b", NULL) < 0 && cocin_name_check("ctl", NULL) < 0,
        "invalid names");
  rm_rf(root, NULL);
  return tap_done();
}
