/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "ocispec-int.h"
#include "ocispec-table.h"

/* The printer emits only what is set, in table order, so parse -> print ->
   parse -> print is a fixed point. Pretty output ends with a newline (yajl
   adds it), compact output does not (hooks read it as one JSON value). */

static int print_object (yajl_gen g, const struct desc *d, const void *obj);

static int
gen_str (yajl_gen g, const char *s)
{
  return yajl_gen_string (g, (const unsigned char *) s, strlen (s)) == yajl_gen_status_ok ? 0 : -EINVAL;
}

static int
gen_int (yajl_gen g, enum int_kind kind, const void *slot)
{
  char buf[32];

  ocispec_int_format (kind, slot, buf, sizeof buf);
  return yajl_gen_number (g, buf, strlen (buf)) == yajl_gen_status_ok ? 0 : -EINVAL;
}

static bool
is_set (const struct field *f, const void *obj)
{
  const char *slot = (const char *) obj + f->offset;
  char buf[32];

  if (f->kind == FIELD_IGNORED)
    return false;
  if (f->kind != FIELD_BOOL && f->kind != FIELD_INT)
    return *(void *const *) slot != NULL;
  if (f->flags & FIELD_PRESENT)
    return *(const bool *) ((const char *) obj + f->aux);
  if (f->flags & (FIELD_REQUIRED | FIELD_EMIT))
    return true;
  if (f->kind == FIELD_BOOL)
    return *(const bool *) slot;
  return ocispec_int_format (f->int_kind, slot, buf, sizeof buf);
}

static int
print_array (yajl_gen g, const struct field *f, const void *obj)
{
  const char *arr = *(char *const *) ((const char *) obj + f->offset);
  size_t n = *(const size_t *) ((const char *) obj + f->aux);
  int r = 0;

  if (yajl_gen_array_open (g) != yajl_gen_status_ok)
    return -EINVAL;
  for (size_t i = 0; i < n && r == 0; i++)
    {
      if (f->kind == FIELD_ARR_OBJ)
        r = print_object (g, f->desc, arr + i * f->desc->size);
      else if (f->kind == FIELD_ARR_INT)
        r = gen_int (g, f->int_kind, arr + i * ocispec_int_infos[f->int_kind].size);
      else
        r = gen_str (g, ((char *const *) arr)[i] ? ((char *const *) arr)[i] : "");
    }
  if (r == 0 && yajl_gen_array_close (g) != yajl_gen_status_ok)
    r = -EINVAL;
  return r;
}

static int
print_map (yajl_gen g, const struct field *f, const struct ocispec_obj_map *m)
{
  int r = 0;

  if (yajl_gen_map_open (g) != yajl_gen_status_ok)
    return -EINVAL;
  for (size_t i = 0; i < m->len && r == 0; i++)
    {
      r = gen_str (g, m->keys[i] ? m->keys[i] : "");
      if (r < 0)
        break;
      if (f->kind == FIELD_MAP_OBJ)
        r = print_object (g, f->desc, (const char *) m->values + i * f->desc->size);
      else
        r = gen_str (g, ((char **) m->values)[i] ? ((char **) m->values)[i] : "");
    }
  if (r == 0 && yajl_gen_map_close (g) != yajl_gen_status_ok)
    r = -EINVAL;
  return r;
}

static int
print_field (yajl_gen g, const struct field *f, const void *obj)
{
  const void *slot = (const char *) obj + f->offset;

  switch (f->kind)
    {
    case FIELD_STR:
      return gen_str (g, *(char *const *) slot);
    case FIELD_BOOL:
      return yajl_gen_bool (g, *(const bool *) slot) == yajl_gen_status_ok ? 0 : -EINVAL;
    case FIELD_INT:
      return gen_int (g, f->int_kind, slot);
    case FIELD_OBJ:
      return print_object (g, f->desc, *(void *const *) slot);
    case FIELD_MAP_STR:
    case FIELD_MAP_OBJ:
      return print_map (g, f, *(void *const *) slot);
    default:
      return print_array (g, f, obj);
    }
}

static int
print_object (yajl_gen g, const struct desc *d, const void *obj)
{
  if (yajl_gen_map_open (g) != yajl_gen_status_ok)
    return -EINVAL;
  for (const struct field *f = d->fields; f->kind != FIELD_END; f++)
    {
      int r;

      if (!is_set (f, obj))
        continue;
      r = gen_str (g, f->name);
      if (r == 0)
        r = print_field (g, f, obj);
      if (r < 0)
        return r;
    }
  return yajl_gen_map_close (g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

/* yajl's beautifier prints an empty object or array over two or three lines;
   fold them to "{}" and "[]" as runc prints them. Safe to do textually: a
   raw newline never occurs inside a printed string (it is escaped). */
static void
collapse_empty (char *s)
{
  char *w = s;

  for (const char *r = s; *r;)
    {
      if (*r == '{' || *r == '[')
        {
          size_t ws = strspn (r + 1, " \n");
          char close = *r == '{' ? '}' : ']';
          if (r[1 + ws] == close && memchr (r + 1, '\n', ws))
            {
              *w++ = *r;
              *w++ = close;
              r += ws + 2;
              continue;
            }
        }
      *w++ = *r++;
    }
  *w = '\0';
}

DEFINE_CLEANUP_FUNC (struct yajl_gen_t, yajl_gen_free)

int
ocispec_print (const struct desc *d, const void *obj, bool pretty, char **ret, struct ocirt_error **err)
{
  _cleanup_ (yajl_gen_freep) yajl_gen g = NULL;
  const unsigned char *buf;
  size_t len;
  char *out;

  if (obj == NULL)
    return ocirt_error_setx (err, EINVAL, "cannot print JSON: no document");
  g = yajl_gen_alloc (NULL);
  if (g == NULL)
    return ocirt_error_setx (err, ENOMEM, "out of memory");
  /* Strings built by callers (not parsed) may hold anything. */
  yajl_gen_config (g, yajl_gen_validate_utf8, 1);
  if (pretty)
    {
      yajl_gen_config (g, yajl_gen_beautify, 1);
      yajl_gen_config (g, yajl_gen_indent_string, "  ");
    }
  if (print_object (g, d, obj) < 0)
    return ocirt_error_setx (err, EINVAL, "cannot print JSON: a string is not valid UTF-8");
  yajl_gen_get_buf (g, &buf, &len);
  out = strndup ((const char *) buf, len);
  if (out && pretty)
    collapse_empty (out);
  if (out == NULL)
    return ocirt_error_setx (err, ENOMEM, "out of memory");
  *ret = out;
  return 0;
}
