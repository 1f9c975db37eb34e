// Files the page hands to core (over IPC, as text).

/** A file's bytes as base64, in chunks (a spread of a whole large file overflows the stack). */
export function base64(buffer: ArrayBuffer): string {
  const bytes = new Uint8Array(buffer);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
