// What a typing student feels, measured by the page itself, only when a driver asks for it:
// bench/typing.mjs sets `window.commonsTypingProbe = { typed: [], drawn: [] }`, types, and
// reads back when each keystroke reached the page and when the results for the text of each
// keystroke were drawn. Nothing is recorded without the probe, and never the text itself.

export interface TypingProbe {
  /** performance.now() of each keystroke's input event, in order. */
  typed: number[];
  /** [keystroke index whose text the results answer, performance.now() once drawn]. */
  drawn: [number, number][];
}

declare global {
  interface Window {
    commonsTypingProbe?: TypingProbe;
  }
}

function probe(): TypingProbe | undefined {
  return typeof window === "undefined" ? undefined : window.commonsTypingProbe;
}

/** Notes a keystroke (its event's time stamp); returns its index, or -1 without a probe. */
export function keystroke(at: number): number {
  const p = probe();
  if (!p) return -1;
  p.typed.push(at);
  return p.typed.length - 1;
}

/** The index of the latest keystroke, which a search asked now answers. */
export function current(): number {
  return (probe()?.typed.length ?? 0) - 1;
}

/**
 * Notes, once the results for keystroke `index` are on screen, when that was: after the
 * DOM update and the next frame (a task after requestAnimationFrame runs after its paint).
 */
export function drawn(index: number): void {
  const p = probe();
  if (!p || index < 0) return;
  requestAnimationFrame(() => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => p.drawn.push([index, performance.now()]);
    channel.port2.postMessage(null);
  });
}
