// What a typing student feels, measured by the page itself, only when a driver asks for it:
// bench/typing.mjs sets `window.commonsTypingProbe = { typed: [], drawn: [] }`, types, and
// reads back when each keystroke reached the page and when the results for the text of each
// keystroke were drawn. Nothing is recorded without the probe, and never the text itself.

export interface TypingProbe {
  /** performance.now() of each keystroke's input event, in order. */
  typed: number[];
  /**
   * [keystroke index whose text the results answer, performance.now() once drawn, when the
   * answer arrived from core, and when the page's DOM had been updated for it].
   */
  drawn: [number, number, number, number][];
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

type Shown = { index: number; arrived: number; updated: number; probe: TypingProbe };
/** The last answer put in the page since the last frame: only it reaches the screen. */
let pending: Shown | null = null;
/** The answer the frame under way paints. */
let painting: Shown | null = null;
let channel: MessageChannel | null = null;

/**
 * Notes, once the results for keystroke `index` are on screen, when that was: after the
 * DOM update and the next frame (a task after requestAnimationFrame runs after its paint).
 * Answers that replace each other before a frame is drawn count as one, the last: the earlier
 * ones never reached the screen.
 */
export function drawn(index: number, arrived: number): void {
  const p = probe();
  if (!p || index < 0) return;
  const scheduled = pending !== null;
  pending = { index, arrived, updated: performance.now(), probe: p };
  if (scheduled) return;
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => {
      const done = painting;
      painting = null;
      if (done) done.probe.drawn.push([done.index, performance.now(), done.arrived, done.updated]);
    };
  }
  const port = channel.port2;
  requestAnimationFrame(() => {
    painting = pending;
    pending = null;
    port.postMessage(null);
  });
}
