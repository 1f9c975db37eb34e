// The signed-in librarian, as the page knows it. Core checks the session on every
// librarian command; this only decides what to show.
import { commands, type SessionView } from "./bindings";

export const session = $state<{ current: SessionView | null }>({ current: null });

/** Asks core who is signed in (a session may have ended while idle). */
export async function refreshSession(): Promise<void> {
  try {
    session.current = await commands.getSession();
  } catch {
    session.current = null;
  }
}

export async function signOut(): Promise<void> {
  try {
    await commands.signOut();
  } finally {
    session.current = null;
  }
}
