/**
 * What a tenant API key may do, chosen when it is created (like OpenAI's restricted keys). Every
 * `/v1` route names the one scope it needs in src/identity/route-access.ts; docs/security.md has the
 * table. End-user tokens carry at most {@link END_USER_SCOPES} of the key that minted them.
 */
export const SCOPES = [
  "inference",
  "user_tokens",
  "completions.read",
  "completions.write",
  "datasets",
  "evals",
  "fine_tuning",
  "admin",
] as const;

export type Scope = (typeof SCOPES)[number];

export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  inference: "Chat completions, responses, embeddings, models, Realtime sessions, client secrets and calls.",
  user_tokens: "Mint end-user tokens (POST /v1/auth/user_tokens) for phones and browsers.",
  "completions.read": "List and read stored completions and their messages.",
  "completions.write": "Update metadata of, delete, and give feedback on stored completions.",
  datasets: "Datasets: create, add, import, validate, export, delete.",
  evals: "Run evaluations on datasets and read their results.",
  fine_tuning: "Files and fine-tuning jobs (pass-through and from datasets).",
  admin: "The web console and /admin/tenants/{id}/… of the key's own tenant (a console key).",
};

/** What a key created without `scopes` may do: everything within its tenant except the admin routes. */
export const FULL_TENANT_SCOPES: readonly Scope[] = SCOPES.filter((s) => s !== "admin");

/**
 * The most an end-user token can do: inference, and its own stored completions (read, feedback).
 * Further limited to the scopes of the key that minted it.
 */
export const END_USER_SCOPES: readonly Scope[] = ["inference", "completions.read", "completions.write"];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/**
 * A key's scopes from its stored column: NULL (keys made before scopes existed) is the full tenant
 * scope, with `admin` for console keys. Unknown names in the column are dropped.
 */
export function scopesOf(stored: string | null, console: boolean): ReadonlySet<Scope> {
  if (stored === null) return new Set<Scope>(console ? [...FULL_TENANT_SCOPES, "admin"] : FULL_TENANT_SCOPES);
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored);
  } catch {
    return new Set();
  }
  if (!Array.isArray(parsed)) return new Set();
  return new Set(parsed.filter((s): s is Scope => typeof s === "string" && isScope(s)));
}

/** The scopes in the documented order, for responses. */
export function scopeList(scopes: ReadonlySet<Scope>): Scope[] {
  return SCOPES.filter((s) => scopes.has(s));
}

export const ALL_SCOPES: ReadonlySet<Scope> = new Set(SCOPES);
