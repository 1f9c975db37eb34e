// The screens reachable from the main navigation, addressed by the URL hash (`#/catalogue`).
export const routes = ["home", "catalogue", "disciplines", "documents", "consultations"] as const;
export type Route = (typeof routes)[number];

export function routeFromHash(hash: string): Route {
  const name = hash.replace(/^#\/?/, "").split(/[/?]/)[0] ?? "";
  return (routes as readonly string[]).includes(name) ? (name as Route) : "home";
}
