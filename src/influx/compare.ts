// Byte-order (UTF-8) string comparison. Go sorts tag keys, field keys and label keys by bytes;
// JavaScript's `<` compares UTF-16 code units, which disagrees once characters above U+FFFF meet
// characters U+E000…U+FFFF. Everything else orders identically, so the fix-up is only at that spot.

/** Negative, zero or positive as `a` sorts before, equal to or after `b` in UTF-8 byte order. */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    let ca = a.charCodeAt(i);
    let cb = b.charCodeAt(i);
    if (ca === cb) continue;
    if (ca >= 0xd800 && cb >= 0xd800) {
      // Surrogates encode code points ≥ U+10000, which sort after every BMP character.
      ca = ca < 0xe000 ? ca + 0x2000 : ca - 0x800;
      cb = cb < 0xe000 ? cb + 0x2000 : cb - 0x800;
    }
    return ca - cb;
  }
  return a.length - b.length;
}
