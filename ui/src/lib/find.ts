// Finding words in a document's text the way readers expect: case and diacritics ignored,
// ligatures (ﬁ) read as their letters. Positions refer to the original strings, so a match
// can be highlighted where it is.

/** Folds one character for comparison; may return several letters ("ﬁ" → "fi"). */
function fold(c: string): string {
  if (/\s/.test(c)) return " ";
  return c.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
}

/** The folded string and, for each of its characters, the index of the original character. */
export function folded(text: string): { text: string; map: number[] } {
  let out = "";
  const map: number[] = [];
  let i = 0;
  for (const c of text) {
    const f = fold(c);
    for (let k = 0; k < f.length; k++) map.push(i);
    out += f;
    i += c.length;
  }
  map.push(i);
  return { text: out, map };
}

/** Where `query` occurs in `text`: [start, end) in the original string. */
export function findAll(text: string, query: string): [number, number][] {
  const q = folded(query.trim().replace(/\s+/g, " ")).text;
  if (!q) return [];
  const { text: t, map } = folded(text);
  const out: [number, number][] = [];
  let from = 0;
  for (;;) {
    const at = t.indexOf(q, from);
    if (at < 0) break;
    out.push([map[at] ?? 0, map[at + q.length] ?? text.length]);
    from = at + q.length;
  }
  return out;
}
