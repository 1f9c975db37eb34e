// The resources A–Z filters, kept outside the component so they survive a visit to a
// resource's page and the way back.
export const filters = $state<{ query: string; discipline: string; kind: string; access: string }>({
  query: "",
  discipline: "",
  kind: "",
  access: "",
});
