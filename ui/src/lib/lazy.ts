// Screens a student may never open are loaded when first shown, not at start: the first
// screen parses and keeps less script (issue 17: the window's idle memory and start-up).
import type { Component } from "svelte";

export type ScreenModule<P extends Record<string, unknown>> = { default: Component<P> };

/**
 * A screen's module, loaded once. Until it is in, the loader gives the promise; once in, the
 * module itself, so a screen shown again is drawn at once (an `{#await}` of a value that is
 * not a promise draws its `{:then}` branch straight away). A load that failed is tried again
 * the next time the screen is shown.
 */
export function lazy<P extends Record<string, unknown>>(
  load: () => Promise<ScreenModule<P>>,
): () => ScreenModule<P> | Promise<ScreenModule<P>> {
  let loaded: ScreenModule<P> | null = null;
  let pending: Promise<ScreenModule<P>> | null = null;
  return () =>
    loaded ??
    (pending ??= load().then(
      (m) => (loaded = m),
      (e: unknown) => {
        pending = null;
        throw e;
      },
    ));
}
