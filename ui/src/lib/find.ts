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

/** A piece of a match inside one text item: [start, end) of that item's string. */
export type Part = { item: number; start: number; end: number };

/**
 * Where `query` occurs in a page's text items, read as one text: a phrase may run from one
 * line (item) into the next. The items are joined by a space, runs of spaces count as one,
 * and a word broken by a hyphen at the end of a line is read whole ("infor-" + "mation").
 * Each match is the parts of the items it covers.
 */
export function findInItems(items: string[], query: string): Part[][] {
  const q = folded(query.trim().replace(/\s+/g, " ")).text;
  if (!q) return [];
  let text = "";
  // For each folded character: the item and the [start, end) of its original character;
  // -1 for the space joining two items.
  const where: { item: number; start: number; end: number }[] = [];
  const push = (c: string, item: number, start: number, end: number) => {
    if (c === " " && (text.length === 0 || text.endsWith(" "))) return;
    text += c;
    where.push({ item, start, end });
  };
  items.forEach((s, item) => {
    const f = folded(s);
    let body = f.text.length;
    // A hyphen ending a line that the next item continues with a letter: the word goes on.
    const next = items[item + 1]?.trimStart() ?? "";
    const hyphenated = /[a-z]-\s*$/i.test(s) && /^[a-z]/i.test(next);
    if (hyphenated) body = f.text.trimEnd().length - 1;
    for (let k = 0; k < body; k++) push(f.text[k]!, item, f.map[k]!, f.map[k + 1]!);
    if (!hyphenated) push(" ", -1, 0, 0);
  });
  const out: Part[][] = [];
  let from = 0;
  for (;;) {
    const at = text.indexOf(q, from);
    if (at < 0) break;
    const parts: Part[] = [];
    for (let k = at; k < at + q.length; k++) {
      const w = where[k]!;
      if (w.item < 0) continue;
      const last = parts.at(-1);
      if (last && last.item === w.item) last.end = Math.max(last.end, w.end);
      else parts.push({ item: w.item, start: w.start, end: w.end });
    }
    if (parts.length) out.push(parts);
    from = at + q.length;
  }
  return out;
}
