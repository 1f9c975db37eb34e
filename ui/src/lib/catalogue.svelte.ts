// The catalogue screen's search, kept outside the component so it survives a visit to a
// record's page and the way back.
import { commands, type SearchPage, type Sort } from "./bindings";
import type { IpcError } from "./bindings";
import { Latest } from "./latest";
import { disciplineOf, SearchTally } from "./usage";

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

const latest = new Latest();
/** Counts searches whose results were looked at (usage statistics: never who). */
export const tally = new SearchTally((text, found, discipline) => {
  void commands.countSearch(text, found, discipline).catch(() => {});
});
let timer: ReturnType<typeof setTimeout> | undefined;

/** Runs the current search; answers to older requests that arrive late are dropped. */
export async function run(): Promise<void> {
  const query = search.query;
  search.busy = true;
  const answer = await latest.run(() =>
    commands.searchCatalogue({
      query,
      filters: [...search.filters],
      sort: search.sort,
      offset: search.offset,
      limit: PAGE_SIZE,
    }),
  );
  switch (answer.kind) {
    case "value":
      search.page = answer.value;
      search.answered = query;
      search.error = null;
      tally.shown(query, answer.value.total, disciplineOf(search.filters));
      break;
    case "error":
      search.error = answer.error;
      break;
    case "stale":
      return;
  }
  search.busy = false;
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
