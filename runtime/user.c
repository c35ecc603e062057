/* cocin — the container's user: -u USER[:GROUP] as docker reads it.
 *
 * USER and GROUP are names or numbers, looked up in the container's own
 * /etc/passwd and /etc/group (runc's rules): a user found in passwd gets
 * its group and home from there, and the groups that list it as a member
 * as supplementary groups (a USER:GROUP given has that group only, as in
 * runc); a number not in passwd runs with group 0 and HOME=/ (/root for
 * 0); a name not found fails the start.  The files belong to the image,
 * so they are read with care: regular files only (a FIFO would
 * hold the start), at most USER_FILE_MAX bytes. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cocin/cleanup.h"
#include "cocin/spec.h"
#include "cocin/util.h"
#include "internal.h"

#define USER_FILE_MAX (4 << 20)

/* A name as passwd and group spell them (useradd's rule, and samba's
 * trailing '$'), or a number: anything else is no user. */
static bool user_word(const char *w, size_t n)
{
  if (n == 0 || n > 256 || w[0] == '-')
    return false;
  for (size_t i = 0; i < n; i++)
    if (!isalnum((unsigned char)w[i]) && !strchr("_.-", w[i]) && !(w[i] == '$' && i == n - 1))
      return false;
  return true;
}

/* A decimal id (what the kernel takes: up to 2^31 - 2), or -1. */
static long user_number(const char *w)
{
  long n;
  return parse_long(w, 0, 0x7ffffffe, &n) ? n : -1;
}

int cocin_user_check(const char *v, cocin_error_t *err)
{
  const char *colon = strchr(v, ':');
  size_t ulen = colon ? (size_t)(colon - v) : strlen(v);
  if (!user_word(v, ulen) || (colon && !user_word(colon + 1, strlen(colon + 1))))
    return cocin_fail(err, EINVAL,
                      "invalid user \"%s\": expected USER[:GROUP], each a name or a number", v);
  return 0;
}

int cocin_group_check(const char *v, cocin_error_t *err)
{
  if (!user_word(v, strlen(v)))
    return cocin_fail(err, EINVAL, "invalid --group-add \"%s\": expected a group's name or number",
                      v);
  return 0;
}

/* The file's text, NUL-terminated; NULL with *text unset when it does not
 * exist, -1 when it cannot be read as the image's account file. */
static int read_account_file(const char *path, char **text, cocin_error_t *err)
{
  *text = NULL;
  cleanup_close int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return errno == ENOENT || errno == ENOTDIR ? 0 : cocin_fail_errno(err, "open %s", path);
  struct stat st;
  if (fstat(fd, &st) < 0)
    return cocin_fail_errno(err, "stat %s", path);
  if (!S_ISREG(st.st_mode) || st.st_size > USER_FILE_MAX)
    return cocin_fail(err, EINVAL, "%s is not a regular file of at most %d bytes", path,
                      USER_FILE_MAX);
  if (read_all_fd(fd, USER_FILE_MAX, text, NULL) < 0)
    return errno == EFBIG ? cocin_fail(err, EINVAL, "%s grew past %d bytes", path, USER_FILE_MAX)
                          : cocin_fail_errno(err, "read %s", path);
  return 0;
}

/* The next line's fields split on ':' (in place); returns how many, at most
 * max, or -1 at the end of the text. */
static int next_entry(char **cursor, char **f, int max)
{
  char *line = *cursor;
  if (line == NULL || *line == '\0')
    return -1;
  char *nl = strchr(line, '\n');
  if (nl)
    *nl = '\0';
  *cursor = nl ? nl + 1 : NULL;
  int n = 0;
  for (char *p = line; n < max;) {
    f[n++] = p;
    p = strchr(p, ':');
    if (p == NULL)
      break;
    *p++ = '\0';
  }
  return n;
}

struct pw_entry {
  bool found;
  char *name, *home;
  long uid, gid;
};

/* The first passwd entry with that name (num < 0) or that uid. */
static void find_passwd(char *text, const char *name, long num, struct pw_entry *e)
{
  char *f[7] = {0}, *cur = text;
  int n;
  while ((n = next_entry(&cur, f, 7)) >= 0) {
    if (n < 7 || f[0][0] == '\0')
      continue; /* comments, NIS "+" lines and damaged ones */
    long uid = user_number(f[2]), gid = user_number(f[3]);
    if (uid < 0 || gid < 0)
      continue;
    if (num >= 0 ? uid == num : !strcmp(f[0], name)) {
      *e = (struct pw_entry){true, f[0], f[5], uid, gid};
      return;
    }
  }
}

static bool member(char *list, const char *name)
{
  for (char *m = list, *next; m; m = next) {
    next = strchr(m, ',');
    if (next)
      *next++ = '\0';
    if (!strcmp(m, name))
      return true;
  }
  return false;
}

/* Through group: the gid of the group named want (if want), and the
 * groups that list user as a member (if user). */
static void scan_group(char *text, const char *want, long *want_gid, const char *user,
                       struct cocin_user *u)
{
  char *f[4] = {0}, *cur = text;
  int n;
  while ((n = next_entry(&cur, f, 4)) >= 0) {
    if (n < 3 || f[0][0] == '\0')
      continue;
    long gid = user_number(f[2]);
    if (gid < 0)
      continue;
    if (want && *want_gid < 0 && !strcmp(f[0], want))
      *want_gid = gid;
    if (user && n == 4 && u->ngroups < COCIN_USER_GROUPS_MAX && member(f[3], user)) {
      bool dup = false;
      for (size_t i = 0; i < u->ngroups; i++)
        dup = dup || u->groups[i] == (gid_t)gid;
      if (!dup)
        u->groups[u->ngroups++] = (gid_t)gid;
    }
  }
}

int cocin_user_resolve(const char *v, struct cocin_user *u, cocin_error_t *err)
{
  memset(u, 0, sizeof(*u));
  if (cocin_user_check(v, err) < 0)
    return -1;
  cleanup_free char *copy = xstrdup(v);
  char *gname = strchr(copy, ':');
  if (gname)
    *gname++ = '\0';
  const char *uname = copy;
  cleanup_free char *passwd = NULL, *group = NULL;
  if (read_account_file("/etc/passwd", &passwd, err) < 0)
    return -1;
  long unum = user_number(uname);
  struct pw_entry pw = {0};
  if (passwd)
    find_passwd(passwd, uname, unum, &pw);
  if (!pw.found && unum < 0 && strcmp(uname, "root"))
    return cocin_fail(err, ENOENT, "unable to find user %s: no matching entries in passwd file",
                      uname);
  u->uid = (uid_t)(pw.found ? pw.uid : (unum < 0 ? 0 : unum)); /* "root" without passwd: 0 */
  u->gid = (gid_t)(pw.found ? pw.gid : 0);
  const char *home = pw.found && pw.home[0] ? pw.home : (u->uid == 0 && !pw.found ? "/root" : "/");
  snprintf(u->home, sizeof(u->home), "%s", home);
  long gnum = gname ? user_number(gname) : -1, gwant = -1;
  bool gby_name = gname && gnum < 0;
  if (pw.found || gby_name) {
    if (read_account_file("/etc/group", &group, err) < 0)
      return -1;
    /* supplementary groups only in the implicit form, as runc: a group
     * asked for is the only one */
    if (group)
      scan_group(group, gby_name ? gname : NULL, &gwant, pw.found && !gname ? pw.name : NULL, u);
  }
  if (gby_name && gwant < 0 && strcmp(gname, "root"))
    return cocin_fail(err, ENOENT, "unable to find group %s: no matching entries in group file",
                      gname);
  if (gname)
    u->gid = (gid_t)(gby_name ? (gwant < 0 ? 0 : gwant) : gnum);
  return 0;
}

int cocin_user_switch(const struct cocin_user *u, cocin_error_t *err)
{
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return cocin_fail_errno(err, "keep capabilities");
  if (setgroups(u->ngroups, u->groups) < 0)
    return cocin_fail_errno(err, "setgroups");
  if (setresgid(u->gid, u->gid, u->gid) < 0)
    return cocin_fail_errno(err, "setgid %u", (unsigned)u->gid);
  if (setresuid(u->uid, u->uid, u->uid) < 0)
    return cocin_fail_errno(err, "setuid %u", (unsigned)u->uid);
  return 0;
}

/* --group-add: each name (looked up in the image's /etc/group, docker's
 * rule) or number after the user's own supplementary groups, once each */
static int add_groups(struct cocin_user *u, char *const *groups, cocin_error_t *err)
{
  cleanup_free char *text = NULL;
  bool read = false;
  for (char *const *g = groups; g && *g; g++) {
    long gid = user_number(*g);
    if (gid < 0) {
      if (!read && read_account_file("/etc/group", &text, err) < 0)
        return -1;
      read = true;
      cleanup_free char *copy = text ? xstrdup(text) : NULL; /* (scan_group cuts it up) */
      if (copy)
        scan_group(copy, *g, &gid, NULL, u);
      if (gid < 0)
        return cocin_fail(err, ENOENT,
                          "unable to find group %s: no matching entries in group file", *g);
    }
    bool dup = false;
    for (size_t i = 0; i < u->ngroups; i++)
      dup = dup || u->groups[i] == (gid_t)gid;
    if (dup)
      continue;
    if (u->ngroups >= COCIN_USER_GROUPS_MAX)
      return cocin_fail(err, EINVAL, "--group-add: more than %d supplementary groups",
                        COCIN_USER_GROUPS_MAX);
    u->groups[u->ngroups++] = (gid_t)gid;
  }
  return 0;
}

int cocin_user_enter(const char *user, char *const *groups, char ***env, char *const *given,
                     char *const *given2, cocin_error_t *err)
{
  if (user == NULL && (groups == NULL || groups[0] == NULL))
    /* root, as the caller; but none of its groups */
    return setgroups(0, NULL) < 0 ? cocin_fail_errno(err, "setgroups") : 0;
  struct cocin_user u = {.uid = 0, .gid = 0, .home = "/root"};
  if (user && cocin_user_resolve(user, &u, err) < 0)
    return -1;
  if (add_groups(&u, groups, err) < 0)
    return -1;
  if (user == NULL) /* root's HOME was set with the environment */
    return cocin_user_switch(&u, err);
  bool home_given = false;
  for (char *const *p = given; p && *p; p++)
    home_given = home_given || !strncmp(*p, "HOME=", 5);
  for (char *const *p = given2; p && *p; p++)
    home_given = home_given || !strncmp(*p, "HOME=", 5);
  if (!home_given) {
    cleanup_free char *kv = xasprintf("HOME=%s", u.home);
    cocin_env_set(env, kv);
  }
  return cocin_user_switch(&u, err);
}
