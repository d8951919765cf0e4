/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The table format shared by the generic walker (ocispec-json.c) and the
   per-document tables (ocispec-config.c, ocispec-docs.c). One `struct field`
   row per JSON property; a `struct desc` names a C struct and its rows. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

enum field_kind
{
  FIELD_END,
  FIELD_IGNORED, /* known property we deliberately skip (other platforms) */
  FIELD_STR,
  FIELD_BOOL,
  FIELD_INT,     /* see enum int_kind */
  FIELD_OBJ,     /* pointer to a struct described by .desc */
  FIELD_ARR_OBJ, /* T *m + size_t m_len */
  FIELD_ARR_STR, /* char **m + size_t m_len */
  FIELD_ARR_INT, /* uintN_t *m + size_t m_len */
  FIELD_MAP_STR, /* struct oci_map *m */
  FIELD_MAP_OBJ, /* pointer to { char **keys; T *values; size_t len; } */
};

enum int_kind
{
  INT_I32,
  INT_U32,
  INT_I64,
  INT_U64,
  INT_U16,
  INT_MODE,    /* uint32_t (FileMode; only the permission bits are used) */
  INT_TIMEOUT, /* int64_t, >= 1 (hook timeout) */
  INT_PID,     /* int64_t, >= 0 (state pid) */
};

enum
{
  FIELD_REQUIRED = 1 << 0, /* parse fails without it; always printed */
  FIELD_PRESENT = 1 << 1,  /* .aux is the offset of a bool `m_present` */
  FIELD_EMIT = 1 << 2,     /* optional, but printed even when zero */
};

struct desc;

struct field
{
  const char *name;
  uint8_t kind;
  uint8_t int_kind;
  uint8_t flags;
  size_t offset;
  size_t aux; /* offset of m_len (arrays) or m_present (FIELD_PRESENT) */
  const struct desc *desc;
  /* Optional extra check of a string value; returns NULL or what is wrong. */
  const char *(*check) (const char *value);
};

/* The shape shared by struct oci_net_devices and struct oci_rdma. */
struct ocispec_obj_map
{
  char **keys;
  void *values;
  size_t len;
};

struct desc
{
  size_t size;
  const struct field *fields;
};

/* Compile-time check that member `m` of `t` has C type `ctype`, so a row can
   never write a uint32_t into an int64_t member. Evaluates to 0. */
#define FIELD_TYPE_CHECK(t, m, ctype)                                                                        \
  (0 * sizeof (char[__builtin_types_compatible_p (__typeof__ (((t *) 0)->m), ctype) ? 1 : -1]))
#define FIELD_OFF(t, m, ctype) (offsetof (t, m) + FIELD_TYPE_CHECK (t, m, ctype))

#define ROW_(n, k, ik, fl, off, a, d)                                                                        \
  {                                                                                                          \
    .name = (n), .kind = (k), .int_kind = (ik), .flags = (fl), .offset = (off), .aux = (a), .desc = (d)      \
  }

#define DESC(sname, rows) static const struct desc sname##_desc = { sizeof (struct sname), rows }

#define STR(t, n, m) ROW_ (n, FIELD_STR, 0, 0, FIELD_OFF (t, m, char *), 0, NULL)
#define STR_REQ(t, n, m) ROW_ (n, FIELD_STR, 0, FIELD_REQUIRED, FIELD_OFF (t, m, char *), 0, NULL)
#define STR_CHECK(t, n, m, fl, fn)                                                                           \
  {                                                                                                          \
    .name = (n), .kind = FIELD_STR, .flags = (fl), .offset = FIELD_OFF (t, m, char *), .check = (fn)         \
  }
#define BOOL(t, n, m) ROW_ (n, FIELD_BOOL, 0, 0, FIELD_OFF (t, m, bool), 0, NULL)
#define BOOL_REQ(t, n, m) ROW_ (n, FIELD_BOOL, 0, FIELD_REQUIRED, FIELD_OFF (t, m, bool), 0, NULL)
#define BOOL_P(t, n, m)                                                                                      \
  ROW_ (n, FIELD_BOOL, 0, FIELD_PRESENT, FIELD_OFF (t, m, bool), FIELD_OFF (t, m##_present, bool), NULL)

#define INT_(t, n, m, ik, ctype, fl) ROW_ (n, FIELD_INT, ik, fl, FIELD_OFF (t, m, ctype), 0, NULL)
#define INT_P_(t, n, m, ik, ctype)                                                                           \
  ROW_ (n, FIELD_INT, ik, FIELD_PRESENT, FIELD_OFF (t, m, ctype), FIELD_OFF (t, m##_present, bool), NULL)

#define I32(t, n, m) INT_ (t, n, m, INT_I32, int32_t, 0)
#define I32_P(t, n, m) INT_P_ (t, n, m, INT_I32, int32_t)
#define U16_P(t, n, m) INT_P_ (t, n, m, INT_U16, uint16_t)
#define U32(t, n, m) INT_ (t, n, m, INT_U32, uint32_t, 0)
#define U32_EMIT(t, n, m) INT_ (t, n, m, INT_U32, uint32_t, FIELD_EMIT)
#define U32_REQ(t, n, m) INT_ (t, n, m, INT_U32, uint32_t, FIELD_REQUIRED)
#define U32_P(t, n, m) INT_P_ (t, n, m, INT_U32, uint32_t)
#define I64(t, n, m) INT_ (t, n, m, INT_I64, int64_t, 0)
#define I64_REQ(t, n, m) INT_ (t, n, m, INT_I64, int64_t, FIELD_REQUIRED)
#define I64_P(t, n, m) INT_P_ (t, n, m, INT_I64, int64_t)
#define U64(t, n, m) INT_ (t, n, m, INT_U64, uint64_t, 0)
#define U64_REQ(t, n, m) INT_ (t, n, m, INT_U64, uint64_t, FIELD_REQUIRED)
#define U64_P(t, n, m) INT_P_ (t, n, m, INT_U64, uint64_t)
#define MODE_P(t, n, m) INT_P_ (t, n, m, INT_MODE, uint32_t)
#define TIMEOUT_P(t, n, m) INT_P_ (t, n, m, INT_TIMEOUT, int64_t)
#define PID_P(t, n, m) INT_P_ (t, n, m, INT_PID, int64_t)

#define OBJ(t, n, m, sname) ROW_ (n, FIELD_OBJ, 0, 0, FIELD_OFF (t, m, struct sname *), 0, &sname##_desc)
#define ARR_OBJ(t, n, m, sname)                                                                              \
  ROW_ (n, FIELD_ARR_OBJ, 0, 0, FIELD_OFF (t, m, struct sname *), FIELD_OFF (t, m##_len, size_t),            \
        &sname##_desc)
#define ARR_STR(t, n, m)                                                                                     \
  ROW_ (n, FIELD_ARR_STR, 0, 0, FIELD_OFF (t, m, char **), FIELD_OFF (t, m##_len, size_t), NULL)
#define ARR_STR_REQ(t, n, m)                                                                                 \
  ROW_ (n, FIELD_ARR_STR, 0, FIELD_REQUIRED, FIELD_OFF (t, m, char **), FIELD_OFF (t, m##_len, size_t), NULL)
#define ARR_U32(t, n, m)                                                                                     \
  ROW_ (n, FIELD_ARR_INT, INT_U32, 0, FIELD_OFF (t, m, uint32_t *), FIELD_OFF (t, m##_len, size_t), NULL)
#define MAP_STR(t, n, m) ROW_ (n, FIELD_MAP_STR, 0, 0, FIELD_OFF (t, m, struct oci_map *), 0, NULL)
/* `mname` is the map struct ({keys, values, len}), `sname` its value struct. */
#define MAP_OBJ(t, n, m, mname, sname)                                                                       \
  ROW_ (n, FIELD_MAP_OBJ, 0, 0,                                                                              \
        FIELD_OFF (t, m, struct mname *) + FIELD_TYPE_CHECK (struct mname, values, struct sname *)           \
            + MAP_LAYOUT_CHECK (struct mname),                                                               \
        0, &sname##_desc)
/* The walker reads every object map through struct ocispec_obj_map. */
#define MAP_LAYOUT_CHECK(mt)                                                                                 \
  (0                                                                                                         \
   * sizeof (char[offsetof (mt, keys) == offsetof (struct ocispec_obj_map, keys)                             \
                          && offsetof (mt, values) == offsetof (struct ocispec_obj_map, values)              \
                          && offsetof (mt, len) == offsetof (struct ocispec_obj_map, len)                    \
                      ? 1                                                                                    \
                      : -1]))
#define IGNORED(n) ROW_ (n, FIELD_IGNORED, 0, 0, 0, 0, NULL)
#define END ROW_ (NULL, FIELD_END, 0, 0, 0, 0, NULL)

/* Parses `len` bytes of JSON into a new struct of type `d`. With
   `prefix_all`, every error starts with `docname` ("config.json: process.cwd:
   ..."); without, errors name only the property path, or say "invalid JSON:
   ..." for the document as a whole, and the caller says which document. */
int ocispec_parse (const struct desc *d, const char *docname, bool prefix_all, const char *json, size_t len,
                   void **ret, struct ocirt_error **err);

/* Prints `obj` (type `d`) as JSON; 2-space indented and newline-terminated
   when `pretty`, else one line without newline. *ret is the caller's. */
int ocispec_print (const struct desc *d, const void *obj, bool pretty, char **ret, struct ocirt_error **err);

/* Frees `obj` (type `d`) and everything it owns; accepts NULL. */
void ocispec_free (const struct desc *d, void *obj);

/* 1 if the dotted `path` ("*" for a map's values) has a row under `d`, 0 if it
   lies under an IGNORED row, -ENOENT if neither. */
int ocispec_lookup (const struct desc *d, const char *path);
