/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/sha256.h"

/* The SHA-256 examples of FIPS 180-2 (appendix B) and the NIST CAVS
   "long message" of a million 'a'. */

static void
check_hex (const void *data, size_t len, const char *expected)
{
  uint8_t d[SHA256_DIGEST_SIZE];
  char hex[SHA256_HEX_SIZE];

  sha256 (data, len, d);
  sha256_hex (d, hex);
  assert_string_equal (hex, expected);
}

static void
test_fips_vectors (void **state)
{
  static const char two_blocks[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  static const char four_blocks[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                                    "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
  (void) state;

  check_hex ("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  check_hex ("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  check_hex (two_blocks, strlen (two_blocks),
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  check_hex (four_blocks, strlen (four_blocks),
             "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void
test_million_a (void **state)
{
  char *a = malloc (1000000);
  (void) state;

  assert_non_null (a);
  memset (a, 'a', 1000000);
  check_hex (a, 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  free (a);
}

/* Every split of a message over two updates, including splits inside and
   at the edges of a block and around the padding boundary (55/56 bytes). */
static void
test_incremental_equals_one_shot (void **state)
{
  uint8_t msg[3 * 256], whole[SHA256_DIGEST_SIZE], parts[SHA256_DIGEST_SIZE];
  char hex[SHA256_HEX_SIZE];
  (void) state;

  for (size_t i = 0; i < sizeof msg; i++)
    msg[i] = (uint8_t) i;
  sha256 (msg, sizeof msg, whole);
  sha256_hex (whole, hex);
  assert_string_equal (hex, "f3a25aa93aa2fbba28d79260535bbd6a5eb0fc1c24a8b0f04e12b484c1dfe363");
  for (size_t len = 0; len <= 130; len++)
    for (size_t cut = 0; cut <= len; cut++)
      {
        struct sha256_ctx c;
        sha256 (msg, len, whole);
        sha256_init (&c);
        sha256_update (&c, msg, cut);
        sha256_update (&c, msg + cut, len - cut);
        sha256_final (&c, parts);
        assert_memory_equal (whole, parts, sizeof whole);
      }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_fips_vectors),
    cmocka_unit_test (test_million_a),
    cmocka_unit_test (test_incremental_equals_one_shot),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
