// How this patron wants the page: its size (the whole page zoomed, as a browser's zoom) and
// its contrast. Chosen in the top bar, kept for the patron session only: finishing the
// session reloads the page and core sets the size back to 100%.
import { commands } from "./bindings";

export const zoomLevels = [100, 150, 200] as const;
export type Zoom = (typeof zoomLevels)[number];
export type Contrast = "standard" | "high";

/** The system's own setting decides where a session starts. */
function systemContrast(): Contrast {
  return typeof window !== "undefined" && window.matchMedia?.("(prefers-contrast: more)").matches ? "high" : "standard";
}

export const display = $state<{ zoom: Zoom; contrast: Contrast }>({ zoom: 100, contrast: "standard" });
setContrast(systemContrast());

/** Zooms the page; the size stays as it was when the shell refuses. */
export async function setZoom(zoom: Zoom): Promise<void> {
  await commands.setZoom(zoom);
  display.zoom = zoom;
}

/** High contrast: the same colours as the system's own high-contrast setting gives. */
export function setContrast(contrast: Contrast): void {
  display.contrast = contrast;
  if (typeof document !== "undefined") {
    if (contrast === "high") document.documentElement.dataset.contrast = "high";
    else delete document.documentElement.dataset.contrast;
  }
}
