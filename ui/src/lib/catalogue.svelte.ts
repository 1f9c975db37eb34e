// The catalogue screen's search, kept outside the component so it survives a visit to a
// record's page and the way back.
import { commands, type SearchPage, type Sort } from "./bindings";
import { toIpcError } from "./errors";
import type { IpcError } from "./bindings";

export const PAGE_SIZE = 20;

export const search = $state<{
  query: string;
  filters: string[];
  sort: Sort;
  offset: number;
  page: SearchPage | null;
  /** The query the shown page answers. */
  answered: string | null;
  busy: boolean;
  error: IpcError | null;
}>({ query: "", filters: [], sort: "relevance", offset: 0, page: null, answered: null, busy: false, error: null });

let latest = 0;
let timer: ReturnType<typeof setTimeout> | undefined;

/** Runs the current search; answers to older requests that arrive late are dropped. */
export async function run(): Promise<void> {
  const ticket = ++latest;
  const query = search.query;
  search.busy = true;
  try {
    const page = await commands.searchCatalogue({
      query,
      filters: [...search.filters],
      sort: search.sort,
      offset: search.offset,
      limit: PAGE_SIZE,
    });
    if (ticket === latest) {
      search.page = page;
      search.answered = query;
      search.error = null;
    }
  } catch (e) {
    if (ticket === latest) search.error = toIpcError(e);
  } finally {
    if (ticket === latest) search.busy = false;
  }
}

/** Search-as-you-type: waits for a short pause in typing. */
export function typed(query: string): void {
  search.query = query;
  search.offset = 0;
  clearTimeout(timer);
  timer = setTimeout(() => void run(), 120);
}

export function toggleFilter(filter: string): void {
  search.filters = search.filters.includes(filter)
    ? search.filters.filter((f) => f !== filter)
    : [...search.filters, filter];
  search.offset = 0;
  void run();
}
