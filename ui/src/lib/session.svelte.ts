// The signed-in librarian, as the page knows it. Core checks the session on every
// librarian command; this only decides what to show, and warns a minute before the session
// ends (30 minutes after her last action, 8 hours after signing in). Looking at who is signed
// in does not keep the session going: only her own actions and "Stay signed in" do.
import { commands, type SessionView } from "./bindings";

export const session = $state<{ current: SessionView | null; endsAt: number | null; now: number }>({
  current: null,
  endsAt: null,
  now: Date.now(),
});

/** The warning shows this many seconds before the session ends. */
export const WARN_SECS = 60;

function show(view: SessionView | null): void {
  checkedNearEnd = false;
  session.current = view;
  session.now = Date.now();
  session.endsAt = view ? session.now + view.expiresInSecs * 1000 : null;
}

/** Seconds until the session ends, as the page last heard; null when none. */
export function secondsLeft(): number | null {
  if (!session.current || session.endsAt === null) return null;
  return Math.max(0, Math.ceil((session.endsAt - session.now) / 1000));
}

/** Asks core who is signed in (a session may have ended while idle). */
export async function refreshSession(): Promise<void> {
  try {
    show(await commands.getSession());
  } catch {
    show(null);
  }
}

export function signedIn(view: SessionView): void {
  show(view);
}

/** "Stay signed in". */
export async function keepSession(): Promise<void> {
  try {
    show(await commands.keepSession());
  } catch {
    show(null);
  }
}

export async function signOut(): Promise<void> {
  try {
    await commands.signOut();
  } finally {
    show(null);
  }
}

let checking = false;
let checkedNearEnd = false;

/** Called every second: entering the last minute, asks core again once (one of her actions
 *  may have kept the session going); at the end, core says whether it is over. */
export async function tick(): Promise<void> {
  session.now = Date.now();
  const left = secondsLeft();
  if (left === null || checking) return;
  const nearEnd = left <= WARN_SECS && !checkedNearEnd;
  if (left > 0 && !nearEnd) return;
  checking = true;
  try {
    await refreshSession();
  } finally {
    checking = false;
    checkedNearEnd = (secondsLeft() ?? WARN_SECS + 1) <= WARN_SECS;
  }
}
