/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/ahead.h"

/* The guess from config.json's text whether to begin a network namespace
   before the config is parsed (ahead.h). */
static bool
wants (const char *json)
{
  return ahead_text_wants_net (json, strlen (json));
}

static void
test_new_network_namespace (void **state)
{
  (void) state;
  assert_true (wants ("{\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"}]}}"));
  assert_true (wants ("{\"linux\":{\"namespaces\":[{ \"type\" : \"network\" }]}}"));
  /* A joined one elsewhere does not hide a new one. */
  assert_true (
      wants ("{\"a\":{\"type\":\"network\",\"path\":\"/run/netns/x\"},\"b\":[{\"type\":\"network\"}]}"));
}

static void
test_joined_or_absent (void **state)
{
  (void) state;
  /* Podman and CRI-O pass the namespace they made: nothing to make. */
  assert_false (wants ("{\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":\"/run/netns/n1\"}]}}"));
  assert_false (wants ("{\"linux\":{\"namespaces\":[{\"path\":\"/run/netns/n1\",\"type\":\"network\"}]}}"));
  assert_false (wants ("{\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"}]}}"));
  assert_false (wants (""));
  /* Cut short: no object end to look for "path" in. */
  assert_false (wants ("{\"type\":\"network\",\"path\":\"/x\""));
  assert_true (wants ("{\"type\":\"network\""));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_new_network_namespace),
    cmocka_unit_test (test_joined_or_absent),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
