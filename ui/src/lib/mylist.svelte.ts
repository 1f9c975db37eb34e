// "My list": records a student collects during the session. It lives in memory only, so it
// disappears when Commons closes (and, later, when a kiosk session ends).
export interface ListEntry {
  id: string;
  title: string;
}

const state = $state<{ entries: ListEntry[] }>({ entries: [] });

export const myList = {
  get entries(): ListEntry[] {
    return state.entries;
  },
  has(id: string): boolean {
    return state.entries.some((e) => e.id === id);
  },
  add(entry: ListEntry): void {
    if (!this.has(entry.id)) state.entries = [...state.entries, entry];
  },
  remove(id: string): void {
    state.entries = state.entries.filter((e) => e.id !== id);
  },
  clear(): void {
    state.entries = [];
  },
};
