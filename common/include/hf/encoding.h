/* hf/encoding.h - strict text forms: base64url, UTF-8 and UUID text
 *
 * Tokens, page cursors, request fields and imported files all arrive as text
 * that must be in one exact form before anything trusts it. Each check lives
 * here once and is strict in the same way everywhere: a value has one
 * spelling, so two texts that pass and differ name two different things.
 *
 * - base64url: RFC 4648 section 5, unpadded, canonical (the unused low bits
 *   of the last character are zero). Over libsodium's codec, which takes
 *   time independent of the bytes' values, so secrets may pass through it.
 * - UTF-8: RFC 3629 well-formed sequences only: no overlong forms, no
 *   surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no sequence cut
 *   short. A NUL byte is U+0000 and so valid UTF-8; callers that keep text in
 *   C strings refuse it themselves (memchr), with their own message.
 * - hex: lowercase out; in, either case for keys from configuration, or only
 *   lowercase where a text is compared (ids, digests).
 * - UUID: the canonical lowercase 8-4-4-4-12 form PostgreSQL prints, since
 *   ids are compared as strings (cache keys, cursors, "same company").
 *
 * Everything here is pure and thread-safe; nothing allocates.
 */
#ifndef HF_ENCODING_H
#define HF_ENCODING_H

#include <stddef.h>
#include <stdint.h>

/* --- base64url --------------------------------------------------------------- */

/* Characters of the unpadded base64url text of n bytes, without a NUL:
 * 4 per 3 bytes, plus 2 or 3 for a last group of 1 or 2 bytes. */
size_t hf_base64url_len(size_t n);

/* Bytes that a base64url text of len characters decodes to when it is valid
 * (the inverse of hf_base64url_len; a len of 1 mod 4 is never valid). */
size_t hf_base64url_decoded_len(size_t len);

/* Write the unpadded base64url text of the n bytes at in to out, NUL-terminated.
 * outlen must be at least hf_base64url_len(n) + 1 (an assert checks it).
 * Returns the characters written, without the NUL. Cannot fail. */
size_t hf_base64url_encode(char *out, size_t outlen, const void *in, size_t n);

/* hf_base64url_encode() for bytes that are no secret (a ciphertext): the
 * same text, through a table, several times faster than libsodium's
 * constant-time codec. Never for keys or tokens whose text is the secret. */
size_t hf_base64url_encode_public(char *out, size_t outlen, const void *in, size_t n);

/* Decode the len characters at s into out (room for outcap bytes) and set
 * *outlen to the bytes written. s must be canonical unpadded base64url: only
 * A-Z a-z 0-9 '-' '_', no '=', no white space, a length that is not 1 mod 4
 * and zero unused bits in the last character, so that each byte string has
 * exactly one text and any changed character changes the bytes.
 * Returns 0; -EINVAL when s is not such a text; -EMSGSIZE when its bytes
 * (hf_base64url_decoded_len(len)) would not fit in outcap. On failure
 * *outlen is 0 and out holds nothing meaningful. */
int hf_base64url_decode(const char *s, size_t len, void *out, size_t outcap, size_t *outlen);

/* hf_base64url_decode() for text that is no secret (the base64url of a
 * ciphertext, which the database shows anyway): the same contract and
 * answers, through a table in time that depends on the text, several times
 * faster than libsodium's constant-time codec. Never for keys or tokens
 * whose text is the secret. */
int hf_base64url_decode_public(const char *s, size_t len, void *out, size_t outcap,
                               size_t *outlen);

/* --- UTF-8 ------------------------------------------------------------------- */

/* The UTF-8 sequence at the start of s[0..n) (n > 0). Returns its length (1-4)
 * and, when cp is not NULL, stores its code point in *cp; returns 0 when s
 * does not start a well-formed sequence (a byte that cannot lead, a missing
 * continuation byte, an overlong form such as "\xc0\xaf", a surrogate such
 * as "\xed\xa0\x80", a code point above U+10FFFF such as "\xf4\x90\x80\x80");
 * returns -1 when s[0..n) is a valid beginning of a sequence that n cuts short
 * (a reader of a stream waits for more bytes; for a whole text it is invalid). */
int hf_utf8_decode(const char *s, size_t n, uint32_t *cp);

/* The offset of the first byte of s[0..n) that does not begin a well-formed
 * sequence (a sequence cut short by n counts as not well formed), or n when
 * all of s[0..n) is valid UTF-8. It is also the length of the longest valid
 * prefix, which is how text is cut at a character boundary. */
size_t hf_utf8_invalid_at(const char *s, size_t n);

/* 1 when all of s[0..n) is well-formed UTF-8 (NUL bytes allowed, see
 * above), else 0. s may be NULL when n is 0. Runs of ASCII go 8 bytes at a
 * time. */
int hf_utf8_valid(const char *s, size_t n);

/* --- hex -------------------------------------------------------------------- */

/* Write the lowercase hex of the n bytes at in to out (room for 2n + 1),
 * NUL-terminated. Returns 2n. Cannot fail. */
size_t hf_hex_encode(char *out, const void *in, size_t n);

/* Decode the 2n hex digits at s (either case: keys typed into configuration)
 * into the n bytes at out. Returns 0, or -EINVAL when s is shorter or holds a
 * character that is not a hex digit (out then holds nothing meaningful). */
int hf_hex_decode(const char *s, void *out, size_t n);

/* 1 when the n characters at s are lowercase hex digits (the one spelling of
 * an id or a digest compared as text), else 0. */
int hf_hex_lower(const char *s, size_t n);

/* --- UUID text --------------------------------------------------------------- */

/* 1 when s is 36 characters: lowercase hex digits in groups of
 * 8-4-4-4-12 joined by '-', as PostgreSQL prints a uuid, so it can be passed
 * as $n::uuid and compared with ids read back. Upper case is refused:
 * PostgreSQL would take it, but it would no longer equal the id it names.
 * Else 0, for NULL too. */
int hf_uuid_valid(const char *s);

#endif
