/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "ocispec-int.h"
#include "ocispec-table.h"
#include "util/log.h"

/* yajl_tree_free() recurses once per nesting level, so hostile input such as
   a megabyte of '[' would overflow the stack; no OCI document nests deeper
   than a dozen levels, extensions included. */
#define MAX_DEPTH 128

/* Where the walker is: the JSON path of the value being parsed, for errors. */
struct ctx
{
  char path[1024];
  size_t len;
  const char *docname;
  bool prefix_all;
  struct ocirt_error **err;
};

/* Appends n bytes of s; a path longer than the buffer is cut, never overrun. */
static void
path_append (struct ctx *c, const char *s, size_t n)
{
  size_t room = sizeof c->path - 1 - c->len;

  if (n > room)
    n = room;
  memcpy (c->path + c->len, s, n);
  c->len += n;
  c->path[c->len] = '\0';
}

/* Appends ".key" (just "key" at the top) or, with key NULL, "[i]". Called
   for every value of the document: no printf, which costs more than the
   parse itself for a long seccomp profile. */
static size_t
path_push (struct ctx *c, const char *key, size_t i)
{
  size_t old = c->len;
  char digits[24], *p = digits + sizeof digits;

  if (key)
    {
      if (c->len)
        path_append (c, ".", 1);
      path_append (c, key, strlen (key));
      return old;
    }
  *--p = ']';
  do
    *--p = (char) ('0' + i % 10);
  while ((i /= 10) != 0);
  *--p = '[';
  path_append (c, p, (size_t) (digits + sizeof digits - p));
  return old;
}

#define PUSH_KEY(c, k) path_push ((c), (k), 0)
#define PUSH_INDEX(c, i) path_push ((c), NULL, (i))

static void
path_pop (struct ctx *c, size_t old)
{
  c->len = old;
  c->path[old] = '\0';
}

static int __attribute__ ((format (printf, 2, 3))) fail (struct ctx *c, const char *fmt, ...)
{
  _cleanup_free_ char *msg = NULL;
  va_list ap;
  int r;

  va_start (ap, fmt);
  r = vasprintf (&msg, fmt, ap);
  va_end (ap);
  if (r < 0)
    return ocirt_error_setx (c->err, ENOMEM, "out of memory");
  if (c->prefix_all && c->len == 0)
    return ocirt_error_setx (c->err, EINVAL, "%s: %s", c->docname, msg);
  if (c->prefix_all)
    return ocirt_error_setx (c->err, EINVAL, "%s: %s: %s", c->docname, c->path, msg);
  /* The caller names the document (create says "config.json: ", exec the
     --process file): naming it here too would say it twice. */
  if (c->len == 0)
    return ocirt_error_setx (c->err, EINVAL, "%s", msg);
  return ocirt_error_setx (c->err, EINVAL, "%s: %s", c->path, msg);
}

static const char *
type_name (yajl_val v)
{
  switch (v->type)
    {
    case yajl_t_string:
      return "string";
    case yajl_t_number:
      return "number";
    case yajl_t_object:
      return "object";
    case yajl_t_array:
      return "array";
    case yajl_t_true:
    case yajl_t_false:
      return "boolean";
    case yajl_t_null:
      return "null";
    default:
      return "unknown";
    }
}

static int
type_error (struct ctx *c, const char *expected, yajl_val v)
{
  return fail (c, "expected %s, got %s", expected, type_name (v));
}

static int
oom (struct ctx *c)
{
  return ocirt_error_setx (c->err, ENOMEM, "out of memory");
}

/* Converts yajl's raw number text, not its double or long long, so values
   above INT64_MAX (seccomp's 18446744073709551615) keep every bit and a
   fraction or exponent is an error rather than silently truncated. */
static int
parse_int (struct ctx *c, enum int_kind kind, yajl_val v, void *slot)
{
  const struct ocispec_int_info *info = &ocispec_int_infos[kind];
  const char *raw, *p;
  uint64_t mag = 0;
  bool neg, overflow = false;

  if (!YAJL_IS_NUMBER (v))
    return type_error (c, info->noun, v);
  raw = YAJL_GET_NUMBER (v);
  neg = raw[0] == '-';
  p = raw + neg;
  if (*p == '\0' || strspn (p, "0123456789") != strlen (p))
    return fail (c, "expected %s, got %s", info->noun, raw);
  for (; *p; p++)
    {
      unsigned d = (unsigned) (*p - '0');
      if (mag > (UINT64_MAX - d) / 10)
        overflow = true;
      mag = mag * 10 + d;
    }
  neg = neg && mag > 0; /* "-0" is 0 */
  if (neg)
    overflow = overflow || info->min >= 0 || mag - 1 > (uint64_t) (-(info->min + 1));
  else
    overflow = overflow || mag > info->max || (info->min > 0 && mag < (uint64_t) info->min);
  if (overflow)
    return fail (c, "%s is out of range for %s", raw, info->noun);
  ocispec_int_store (kind, slot, neg, mag);
  return 0;
}

static int
parse_string (struct ctx *c, const struct field *f, yajl_val v, char **slot)
{
  const char *bad;

  if (!YAJL_IS_STRING (v))
    return type_error (c, "a string", v);
  if (f && f->check && (bad = f->check (v->u.string)))
    return fail (c, "\"%s\" %s", v->u.string, bad);
  *slot = strdup (v->u.string);
  return *slot ? 0 : oom (c);
}

static int parse_object (struct ctx *c, const struct desc *d, yajl_val v, void *obj);

static size_t
elem_size (const struct field *f)
{
  switch (f->kind)
    {
    case FIELD_ARR_OBJ:
      return f->desc->size;
    case FIELD_ARR_INT:
      return ocispec_int_infos[f->int_kind].size;
    default:
      return sizeof (char *);
    }
}

static int
parse_elem (struct ctx *c, const struct field *f, yajl_val v, void *slot)
{
  switch (f->kind)
    {
    case FIELD_ARR_OBJ:
      return parse_object (c, f->desc, v, slot);
    case FIELD_ARR_INT:
      return parse_int (c, f->int_kind, v, slot);
    default:
      return parse_string (c, NULL, v, slot);
    }
}

/* The array is hung on `obj` before its elements are parsed, zero-filled, so
   a failure half way leaves a tree the generic free can release. */
static int
parse_array (struct ctx *c, const struct field *f, yajl_val v, void *obj)
{
  size_t n, size = elem_size (f);
  char *arr;

  if (!YAJL_IS_ARRAY (v))
    return type_error (c, "an array", v);
  n = v->u.array.len;
  arr = calloc (n ? n : 1, size);
  if (arr == NULL)
    return oom (c);
  *(void **) ((char *) obj + f->offset) = arr;
  *(size_t *) ((char *) obj + f->aux) = n;
  for (size_t i = 0; i < n; i++)
    {
      size_t old = PUSH_INDEX (c, i);
      int r = parse_elem (c, f, v->u.array.values[i], arr + i * size);
      if (r < 0)
        return r;
      path_pop (c, old);
    }
  return 0;
}

/* Both map kinds: keys are copied, values are strings (`d` NULL) or structs. */
static int
parse_map (struct ctx *c, const struct desc *d, yajl_val v, struct ocispec_obj_map *m)
{
  size_t n, size = d ? d->size : sizeof (char *);

  if (!YAJL_IS_OBJECT (v))
    return type_error (c, "an object", v);
  n = v->u.object.len;
  m->keys = calloc (n ? n : 1, sizeof (char *));
  m->values = calloc (n ? n : 1, size);
  if (m->keys == NULL || m->values == NULL)
    return oom (c);
  m->len = n;
  for (size_t i = 0; i < n; i++)
    {
      const char *key = v->u.object.keys[i];
      void *slot = (char *) m->values + i * size;
      size_t old = PUSH_KEY (c, key);
      int r;

      m->keys[i] = strdup (key);
      if (m->keys[i] == NULL)
        return oom (c);
      r = d ? parse_object (c, d, v->u.object.values[i], slot)
            : parse_string (c, NULL, v->u.object.values[i], slot);
      if (r < 0)
        return r;
      path_pop (c, old);
    }
  return 0;
}

static int
parse_field (struct ctx *c, const struct field *f, yajl_val v, void *obj)
{
  void *slot = (char *) obj + f->offset;
  int r;

  switch (f->kind)
    {
    case FIELD_STR:
      return parse_string (c, f, v, slot);
    case FIELD_BOOL:
      if (!YAJL_IS_TRUE (v) && !YAJL_IS_FALSE (v))
        return type_error (c, "a boolean", v);
      *(bool *) slot = YAJL_IS_TRUE (v);
      break;
    case FIELD_INT:
      r = parse_int (c, f->int_kind, v, slot);
      if (r < 0)
        return r;
      break;
    case FIELD_OBJ:
      if (!YAJL_IS_OBJECT (v))
        return type_error (c, "an object", v);
      *(void **) slot = calloc (1, f->desc->size);
      if (*(void **) slot == NULL)
        return oom (c);
      return parse_object (c, f->desc, v, *(void **) slot);
    case FIELD_ARR_OBJ:
    case FIELD_ARR_STR:
    case FIELD_ARR_INT:
      return parse_array (c, f, v, obj);
    case FIELD_MAP_STR:
    case FIELD_MAP_OBJ:
      *(void **) slot = calloc (1, sizeof (struct ocispec_obj_map));
      if (*(void **) slot == NULL)
        return oom (c);
      return parse_map (c, f->kind == FIELD_MAP_OBJ ? f->desc : NULL, v, *(void **) slot);
    default:
      return 0;
    }
  if (f->flags & FIELD_PRESENT)
    *(bool *) ((char *) obj + f->aux) = true;
  return 0;
}

/* The last occurrence wins for a repeated key, as in Go's encoding/json. */
static yajl_val
find_key (yajl_val v, const char *name)
{
  for (size_t i = v->u.object.len; i-- > 0;)
    if (strcmp (v->u.object.keys[i], name) == 0)
      return v->u.object.values[i];
  return NULL;
}

static void
log_unknown (struct ctx *c, const struct desc *d, yajl_val v)
{
  if (!log_debug_enabled ())
    return;
  for (size_t i = 0; i < v->u.object.len; i++)
    {
      const struct field *f = d->fields;
      while (f->kind != FIELD_END && strcmp (f->name, v->u.object.keys[i]) != 0)
        f++;
      if (f->kind == FIELD_END)
        log_debug ("ignoring unknown property %s%s%s", c->path, c->len ? "." : "", v->u.object.keys[i]);
    }
}

static int
parse_object (struct ctx *c, const struct desc *d, yajl_val v, void *obj)
{
  if (!YAJL_IS_OBJECT (v))
    return type_error (c, "an object", v);
  for (const struct field *f = d->fields; f->kind != FIELD_END; f++)
    {
      yajl_val fv;
      size_t old;
      int r = 0;

      if (f->kind == FIELD_IGNORED)
        continue;
      fv = find_key (v, f->name);
      old = PUSH_KEY (c, f->name);
      /* null means absent, as Go's encoding/json (runc) reads it. */
      if (fv == NULL || YAJL_IS_NULL (fv))
        r = (f->flags & FIELD_REQUIRED) ? fail (c, "required property missing") : 0;
      else
        r = parse_field (c, f, fv, obj);
      if (r < 0)
        return r;
      path_pop (c, old);
    }
  log_unknown (c, d, v);
  return 0;
}

/* Rejects what yajl would accept but the walker cannot handle safely. */
static int
precheck (struct ctx *c, const char *json, size_t len)
{
  bool in_string = false;
  int depth = 0;

  if (memchr (json, '\0', len))
    return fail (c, "invalid JSON: contains a NUL byte");
  for (size_t i = 0; i < len; i++)
    {
      char ch = json[i];
      if (in_string)
        {
          if (ch == '\\')
            i++;
          else if (ch == '"')
            in_string = false;
        }
      else if (ch == '"')
        in_string = true;
      else if ((ch == '[' || ch == '{') && ++depth > MAX_DEPTH)
        return fail (c, "invalid JSON: nested deeper than %d levels", MAX_DEPTH);
      else if (ch == ']' || ch == '}')
        depth--;
    }
  return 0;
}

DEFINE_CLEANUP_FUNC (struct yajl_val_s, yajl_tree_free)

int
ocispec_parse (const struct desc *d, const char *docname, bool prefix_all, const char *json, size_t len,
               void **ret, struct ocirt_error **err)
{
  struct ctx c = { .path = "", .docname = docname, .prefix_all = prefix_all, .err = err };
  _cleanup_ (yajl_tree_freep) yajl_val tree = NULL;
  _cleanup_free_ char *copy = NULL;
  char errbuf[1024] = "";
  void *obj;
  int r;

  r = precheck (&c, json, len);
  if (r < 0)
    return r;
  /* yajl_tree_parse wants a NUL-terminated string. */
  copy = strndup (json, len);
  if (copy == NULL)
    return oom (&c);
  tree = yajl_tree_parse (copy, errbuf, sizeof errbuf);
  if (tree == NULL)
    {
      /* yajl's message continues with a multi-line excerpt of the input. */
      errbuf[strcspn (errbuf, "\n")] = '\0';
      return fail (&c, "invalid JSON: %s", errbuf[0] ? errbuf : "parse error");
    }
  obj = calloc (1, d->size);
  if (obj == NULL)
    return oom (&c);
  r = parse_object (&c, d, tree, obj);
  if (r < 0)
    {
      ocispec_free (d, obj);
      return r;
    }
  *ret = obj;
  return 0;
}

static void free_object (const struct desc *d, void *obj);

static void
free_field (const struct field *f, void *obj)
{
  void *p;
  size_t n;

  if (f->kind != FIELD_STR && f->kind < FIELD_OBJ)
    return; /* nothing owned; the member may be narrower than a pointer */
  p = *(void **) ((char *) obj + f->offset);
  switch (f->kind)
    {
    case FIELD_OBJ:
      if (p)
        free_object (f->desc, p);
      break;
    case FIELD_ARR_OBJ:
    case FIELD_ARR_STR:
      n = *(size_t *) ((char *) obj + f->aux);
      for (size_t i = 0; p && i < n; i++)
        {
          if (f->kind == FIELD_ARR_STR)
            free (((char **) p)[i]);
          else
            free_object (f->desc, (char *) p + i * f->desc->size);
        }
      break;
    case FIELD_MAP_STR:
    case FIELD_MAP_OBJ:
      for (size_t i = 0; p && i < ((struct ocispec_obj_map *) p)->len; i++)
        {
          struct ocispec_obj_map *m = p;
          free (m->keys[i]);
          if (f->kind == FIELD_MAP_STR)
            free (((char **) m->values)[i]);
          else
            free_object (f->desc, (char *) m->values + i * f->desc->size);
        }
      if (p)
        {
          free (((struct ocispec_obj_map *) p)->keys);
          free (((struct ocispec_obj_map *) p)->values);
        }
      break;
    default:
      break;
    }
  free (p);
}

/* Frees what `obj` owns, not `obj` itself (array elements are inline). */
static void
free_object (const struct desc *d, void *obj)
{
  for (const struct field *f = d->fields; f->kind != FIELD_END; f++)
    free_field (f, obj);
}

void
ocispec_free (const struct desc *d, void *obj)
{
  if (obj == NULL)
    return;
  free_object (d, obj);
  free (obj);
}

int
ocispec_lookup (const struct desc *d, const char *path)
{
  while (d)
    {
      size_t n = strcspn (path, ".");
      const struct field *f = d->fields;

      while (f->kind != FIELD_END && !(strlen (f->name) == n && strncmp (f->name, path, n) == 0))
        f++;
      if (f->kind == FIELD_END)
        return -ENOENT;
      if (f->kind == FIELD_IGNORED)
        return 0;
      if (path[n] == '\0')
        return 1;
      path += n + 1;
      if (f->kind == FIELD_MAP_OBJ)
        {
          /* A map's values are addressed as "*". */
          if (strncmp (path, "*.", 2) != 0)
            return strcmp (path, "*") == 0 ? 1 : -ENOENT;
          path += 2;
        }
      d = (f->kind == FIELD_OBJ || f->kind == FIELD_ARR_OBJ || f->kind == FIELD_MAP_OBJ) ? f->desc : NULL;
    }
  return -ENOENT;
}
