// The screens reachable from the main navigation, addressed by the URL hash (`#/catalogue`).
export const routes = ["home", "catalogue", "disciplines", "documents", "consultations", "requests"] as const;
/** Screens of the main navigation shown only on a workstation joined to a hub. */
export const hubRoutes: readonly Route[] = ["requests"];
/** Screens outside the main navigation. */
const otherRoutes = ["librarian", "usage"] as const;
export type Route = (typeof routes)[number] | (typeof otherRoutes)[number];

export function routeFromHash(hash: string): Route {
  const name = hash.replace(/^#\/?/, "").split(/[/?]/)[0] ?? "";
  return ([...routes, ...otherRoutes] as readonly string[]).includes(name) ? (name as Route) : "home";
}

/** The path after the route: `#/catalogue/record/src%3A1` → `["record", "src:1"]`. */
export function subpath(hash: string): string[] {
  const path = hash.replace(/^#\/?/, "").split("?")[0] ?? "";
  return path
    .split("/")
    .slice(1)
    .filter(Boolean)
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
}

/** The address of a record's page. */
export function recordHref(id: string): string {
  return `#/catalogue/record/${encodeURIComponent(id)}`;
}

/** The address of a discipline's page. */
export function disciplineHref(id: string): string {
  return `#/disciplines/d/${encodeURIComponent(id)}`;
}

/** The address of a resource's page. */
export function resourceHref(id: string): string {
  return `#/disciplines/resource/${encodeURIComponent(id)}`;
}

/** The address of a resource's edit form; `null` for a new resource. */
export function resourceEditHref(id: string | null): string {
  return `#/disciplines/edit/${id === null ? "new" : encodeURIComponent(id)}`;
}
