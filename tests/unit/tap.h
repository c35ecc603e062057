/* Minimal test harness for cocin's C unit tests: each CHECK is one test
 * line "ok N - what" / "not ok N - what"; the program ends with
 * "# passed P failed F" and exits non-zero on failure. */
#ifndef COCIN_TAP_H
#define COCIN_TAP_H
#include <stdio.h>
#include <stdlib.h>

static int tap_n, tap_failed;

#define CHECK(cond, ...)                                                          \
  do {                                                                            \
    tap_n++;                                                                      \
    if (cond) {                                                                   \
      printf("ok %d - ", tap_n);                                                  \
    } else {                                                                      \
      tap_failed++;                                                               \
      printf("not ok %d - (%s:%d: %s) ", tap_n, __FILE__, __LINE__, #cond);       \
    }                                                                             \
    printf(__VA_ARGS__);                                                          \
    printf("\n");                                                                 \
  } while (0)

static inline int tap_done(void)
{
  printf("# passed %d failed %d\n", tap_n - tap_failed, tap_failed);
  return tap_failed ? 1 : 0;
}
#endif
