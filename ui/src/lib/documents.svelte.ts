// The Documents screen's search, kept while a student reads a result and comes back.
export const docSearch = $state<{ query: string }>({ query: "" });
