/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-systemd-internal.h"

/* The GVariant text format of "org.systemd.property.NAME" annotations, as
   runc reads them ("uint64 123", "'inactive-or-failed'", "true"): booleans,
   numbers (int32 by default, a type keyword otherwise; decimal, 0x hex or
   leading-0 octal as GLib reads them), doubles, quoted strings, arrays,
   tuples, and "@TYPE" annotations (needed for an empty array). Dictionaries,
   variants, maybe types and byte strings are refused. */

#define MAX_DEPTH 32 /* D-Bus allows no deeper nesting */

struct parser
{
  const char *text, *p;
  int depth;
  struct ocirt_error **err;
};

static const struct
{
  const char *word;
  char type;
} type_words[] = {
  { "byte", 'y' },  { "int16", 'n' },  { "uint16", 'q' }, { "int32", 'i' },      { "uint32", 'u' },
  { "int64", 'x' }, { "uint64", 't' }, { "double", 'd' }, { "objectpath", 'o' }, { "signature", 'g' },
};

static int parse_value (struct parser *ps, const char *hint, struct cgroup_sd_value *out);

static int
fail (struct parser *ps, const char *why)
{
  return ocirt_error_setx (ps->err, EINVAL, "%s at offset %zu", why, (size_t) (ps->p - ps->text));
}

static void
skip_space (struct parser *ps)
{
  ps->p += strspn (ps->p, " \t\n\r");
}

/* Length of the single complete type at `s` that we can send, 0 if none. */
static size_t
type_len (const char *s)
{
  size_t n = 1, m;

  if (*s == 'a')
    return (m = type_len (s + 1)) ? m + 1 : 0;
  if (*s == '(')
    {
      while (s[n] && s[n] != ')')
        {
          if ((m = type_len (s + n)) == 0)
            return 0;
          n += m;
        }
      return s[n] == ')' && n > 1 ? n + 1 : 0;
    }
  return *s && strchr ("bynqiuxtdsog", *s) ? 1 : 0;
}

static bool
is_single_type (const char *hint, char type)
{
  return hint == NULL || (hint[0] == type && hint[1] == '\0');
}

static int
set_sig (struct parser *ps, struct cgroup_sd_value *out, const char *sig, size_t len)
{
  out->sig = strndup (sig, len);
  return out->sig ? 0 : ocirt_error_set (ps->err, ENOMEM, "annotation");
}

static bool
at_delimiter (const char *p)
{
  return *p == '\0' || strchr (" \t\n\r,])", *p);
}

static int
parse_signed (struct parser *ps, char type, struct cgroup_sd_value *out)
{
  const int64_t lim[][2] = { { INT16_MIN, INT16_MAX }, { INT32_MIN, INT32_MAX }, { INT64_MIN, INT64_MAX } };
  int k = type == 'n' ? 0 : type == 'i' ? 1 : 2;
  char *end;
  long long v;

  errno = 0;
  v = strtoll (ps->p, &end, 0);
  if (end == ps->p || !at_delimiter (end))
    return fail (ps, "not a number");
  if (errno == ERANGE || v < lim[k][0] || v > lim[k][1])
    return fail (ps, "number out of range for its type");
  ps->p = end;
  out->i = v;
  return set_sig (ps, out, &type, 1);
}

static int
parse_unsigned (struct parser *ps, char type, struct cgroup_sd_value *out)
{
  uint64_t max = type == 'y' ? UINT8_MAX : type == 'q' ? UINT16_MAX : type == 'u' ? UINT32_MAX : UINT64_MAX;
  char *end;
  unsigned long long v;

  if (*ps->p == '-')
    return fail (ps, "negative number for an unsigned type");
  errno = 0;
  v = strtoull (ps->p, &end, 0);
  if (end == ps->p || !at_delimiter (end))
    return fail (ps, "not a number");
  if (errno == ERANGE || v > max)
    return fail (ps, "number out of range for its type");
  ps->p = end;
  out->u = v;
  return set_sig (ps, out, &type, 1);
}

static int
parse_double (struct parser *ps, struct cgroup_sd_value *out)
{
  char *end;

  errno = 0;
  out->d = strtod (ps->p, &end);
  if (end == ps->p || !at_delimiter (end) || errno == ERANGE)
    return fail (ps, "not a number");
  ps->p = end;
  return set_sig (ps, out, "d", 1);
}

/* An untyped number is an int32, or a double when it has a fraction or an
   exponent (GLib's rule). */
static char
untyped_number_type (const char *p)
{
  size_t n = strspn (p, "+-0123456789abcdefABCDEFxX.");
  bool hex = n > 2 && (memchr (p, 'x', n) || memchr (p, 'X', n));

  return memchr (p, '.', n) || (!hex && (memchr (p, 'e', n) || memchr (p, 'E', n))) ? 'd' : 'i';
}

static int
parse_number (struct parser *ps, char type, struct cgroup_sd_value *out)
{
  skip_space (ps);
  if (type == 0)
    return fail (ps, "a number where another type is expected");
  if (type == 'd')
    return parse_double (ps, out);
  if (strchr ("nix", type))
    return parse_signed (ps, type, out);
  if (strchr ("yqut", type))
    return parse_unsigned (ps, type, out);
  return fail (ps, "a number where another type is expected");
}

/* Appends the UTF-8 encoding of `cp`. */
static size_t
put_utf8 (char *o, unsigned cp)
{
  if (cp < 0x80)
    return (size_t) (o[0] = (char) cp, 1);
  if (cp < 0x800)
    return (size_t) (o[0] = (char) (0xc0 | (cp >> 6)), o[1] = (char) (0x80 | (cp & 0x3f)), 2);
  o[0] = (char) (0xe0 | (cp >> 12));
  o[1] = (char) (0x80 | ((cp >> 6) & 0x3f));
  o[2] = (char) (0x80 | (cp & 0x3f));
  return 3;
}

static int
parse_escape (struct parser *ps, char *o, size_t *n)
{
  static const char from[] = "\\'\"nrtabfv", to[] = "\\'\"\n\r\t\a\b\f\v";
  const char *k = ps->p[1] ? strchr (from, ps->p[1]) : NULL;
  unsigned cp;
  int used;

  if (k)
    {
      o[(*n)++] = to[k - from];
      ps->p += 2;
      return 0;
    }
  if (ps->p[1] == 'u' && sscanf (ps->p + 2, "%4x%n", &cp, &used) == 1 && used == 4 && cp != 0)
    {
      *n += put_utf8 (o + *n, cp);
      ps->p += 6;
      return 0;
    }
  return fail (ps, "unknown escape in a string");
}

static int
parse_string (struct parser *ps, char type, struct cgroup_sd_value *out)
{
  char quote = *ps->p++;
  _cleanup_free_ char *s = malloc (strlen (ps->p) + 1);
  size_t n = 0;

  if (s == NULL)
    return ocirt_error_set (ps->err, ENOMEM, "annotation");
  while (*ps->p != quote)
    {
      int r;
      if (*ps->p == '\0')
        return fail (ps, "unterminated string");
      if (*ps->p != '\\')
        s[n++] = *ps->p++;
      else if ((r = parse_escape (ps, s, &n)) < 0)
        return r;
    }
  ps->p++;
  s[n] = '\0';
  out->s = TAKE_PTR (s);
  return set_sig (ps, out, &type, 1);
}

/* Grows out->items by one zeroed value; returns it. */
static struct cgroup_sd_value *
add_item (struct cgroup_sd_value *out)
{
  struct cgroup_sd_value *items = realloc (out->items, (out->n_items + 1) * sizeof *items);

  if (items == NULL)
    return NULL;
  out->items = items;
  items[out->n_items] = (struct cgroup_sd_value){ 0 };
  return &items[out->n_items++];
}

static int
parse_array (struct parser *ps, const char *hint, struct cgroup_sd_value *out)
{
  _cleanup_free_ char *elem = NULL;

  if (hint && hint[0] != 'a')
    return fail (ps, "an array where another type is expected");
  if (hint && (elem = strdup (hint + 1)) == NULL)
    return ocirt_error_set (ps->err, ENOMEM, "annotation");
  ps->p++;
  for (skip_space (ps); *ps->p != ']';)
    {
      struct cgroup_sd_value *v = add_item (out);
      int r;
      if (v == NULL)
        return ocirt_error_set (ps->err, ENOMEM, "annotation");
      r = parse_value (ps, elem, v);
      if (r < 0)
        return r;
      /* Every element has the type of the first. */
      if (elem == NULL && (elem = strdup (v->sig)) == NULL)
        return ocirt_error_set (ps->err, ENOMEM, "annotation");
      skip_space (ps);
      if (*ps->p == ',')
        ps->p++;
      else if (*ps->p != ']')
        return fail (ps, "expected `,` or `]`");
    }
  ps->p++;
  if (elem == NULL)
    return fail (ps, "the type of an empty array is unknown: write it as @as [] (with its type)");
  if (asprintf (&out->sig, "a%s", elem) < 0)
    return ocirt_error_set (ps->err, ENOMEM, "annotation");
  return 0;
}

static int
parse_tuple (struct parser *ps, const char *hint, struct cgroup_sd_value *out)
{
  const char *member = hint ? hint + 1 : NULL;
  size_t sig_len = 1;

  if (hint && hint[0] != '(')
    return fail (ps, "a tuple where another type is expected");
  ps->p++;
  for (skip_space (ps); *ps->p != ')';)
    {
      _cleanup_free_ char *mhint = NULL;
      struct cgroup_sd_value *v = add_item (out);
      int r;
      if (v == NULL)
        return ocirt_error_set (ps->err, ENOMEM, "annotation");
      if (member && (*member == ')' || (mhint = strndup (member, type_len (member))) == NULL))
        return fail (ps, "more tuple members than its type has");
      r = parse_value (ps, mhint, v);
      if (r < 0)
        return r;
      member = member ? member + strlen (v->sig) : NULL;
      sig_len += strlen (v->sig);
      skip_space (ps);
      if (*ps->p == ',')
        ps->p++;
      else if (*ps->p != ')')
        return fail (ps, "expected `,` or `)`");
      skip_space (ps);
    }
  ps->p++;
  if (out->n_items == 0 || (member && *member != ')'))
    return fail (ps, "a tuple with fewer members than its type has");
  out->sig = malloc (sig_len + 2);
  if (out->sig == NULL)
    return ocirt_error_set (ps->err, ENOMEM, "annotation");
  strcpy (out->sig, "(");
  for (size_t i = 0; i < out->n_items; i++)
    strcat (out->sig, out->items[i].sig);
  strcat (out->sig, ")");
  return 0;
}

static int
parse_annotated (struct parser *ps, const char *hint, struct cgroup_sd_value *out)
{
  _cleanup_free_ char *type = NULL;
  size_t n = type_len (++ps->p);

  if (n == 0)
    return fail (ps, "unknown or unsupported type after `@`");
  type = strndup (ps->p, n);
  if (type == NULL)
    return ocirt_error_set (ps->err, ENOMEM, "annotation");
  if (hint && strcmp (hint, type) != 0)
    return fail (ps, "type annotation differs from the type expected here");
  ps->p += n;
  return parse_value (ps, type, out);
}

static int
parse_word (struct parser *ps, const char *hint, struct cgroup_sd_value *out)
{
  size_t n = strspn (ps->p, "abcdefghijklmnopqrstuvwxyz0123456789");
  char type = 0;

  if ((n == 4 && strncmp (ps->p, "true", 4) == 0) || (n == 5 && strncmp (ps->p, "false", 5) == 0))
    {
      if (!is_single_type (hint, 'b'))
        return fail (ps, "a boolean where another type is expected");
      out->b = n == 4;
      ps->p += n;
      return set_sig (ps, out, "b", 1);
    }
  for (size_t i = 0; i < ARRAY_SIZE (type_words) && !type; i++)
    if (strlen (type_words[i].word) == n && strncmp (ps->p, type_words[i].word, n) == 0)
      type = type_words[i].type;
  if (type == 0)
    return fail (ps, "unknown word (a string needs quotes: 'text')");
  if (!is_single_type (hint, type))
    return fail (ps, "type keyword differs from the type expected here");
  ps->p += n;
  if (!strchr ("sog", type))
    return parse_number (ps, type, out);
  skip_space (ps);
  if (*ps->p != '\'' && *ps->p != '"')
    return fail (ps, "expected a quoted string");
  return parse_string (ps, type, out);
}

static int
parse_value (struct parser *ps, const char *hint, struct cgroup_sd_value *out)
{
  char c;
  int r;

  if (++ps->depth > MAX_DEPTH)
    return fail (ps, "nested too deeply");
  skip_space (ps);
  c = *ps->p;
  if (c == '@')
    r = parse_annotated (ps, hint, out);
  else if (c >= 'a' && c <= 'z')
    r = parse_word (ps, hint, out);
  else if (c == '\'' || c == '"')
    r = hint && !strchr ("sog", hint[0]) ? fail (ps, "a string where another type is expected")
                                         : parse_string (ps, hint ? hint[0] : 's', out);
  else if (c == '[')
    r = parse_array (ps, hint, out);
  else if (c == '(')
    r = parse_tuple (ps, hint, out);
  else if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.')
    r = parse_number (ps, hint ? (hint[1] ? 0 : hint[0]) : untyped_number_type (ps->p), out);
  else
    r = fail (ps, c ? "unexpected character" : "value missing");
  ps->depth--;
  return r;
}

int
cgroup_sd_variant_parse (const char *text, struct cgroup_sd_value *ret, struct ocirt_error **err)
{
  struct parser ps = { .text = text, .p = text, .err = err };
  struct cgroup_sd_value v = { 0 };
  int r = parse_value (&ps, NULL, &v);

  if (r == 0)
    {
      skip_space (&ps);
      if (*ps.p)
        r = fail (&ps, "unexpected text after the value");
    }
  if (r < 0)
    {
      cgroup_sd_value_release (&v);
      return r;
    }
  *ret = v;
  return 0;
}
