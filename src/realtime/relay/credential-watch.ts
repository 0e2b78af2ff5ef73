/**
 * Ends a user's live Realtime sessions once the key their credential stands for is revoked (the API
 * key, the key that minted the end-user token, or ADMIN_TOKEN acting as the tenant). A session
 * outlives the request that authenticated it, so the Worker's per-request check never sees it again;
 * the user's Durable Object asks again instead, on a timer while any of its sessions is live: one
 * read per distinct key every `REALTIME_CREDENTIAL_CHECK_MS` (5 s), however many sessions share it,
 * through the same isolate key cache as HTTP requests (src/identity/authenticate.ts). A revoked key's
 * sessions so end within that interval plus KEY_CACHE_TTL_MS. An outbound socket keeps the object in
 * memory, so a timer (not the alarm, each arm of which is a storage write) is enough, as for the D1
 * flushes; an object that dies takes its sessions with it. A failed read (D1 down) ends nothing: the
 * next one decides. A token's `exp` is not checked here: it bounds starting and reattaching a
 * session, not its length (`RelaySession.credentialKeyId`).
 */
import { keyStillAdmits } from "../../identity/authenticate";
import type { Bindings } from "../../platform/env";
import { log } from "../../platform/log";
import type { RelaySession } from "./relay-session";
import { endings } from "./session-endings";

/** How often a live session's key is checked unless REALTIME_CREDENTIAL_CHECK_MS says otherwise. */
const CREDENTIAL_CHECK_MS = 5_000;

export class CredentialWatch {
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly env: Bindings,
    /** The object's sessions; ended ones are skipped. */
    private readonly sessions: () => Iterable<RelaySession>,
  ) {}

  private get intervalMs(): number {
    const configured = Number(this.env.REALTIME_CREDENTIAL_CHECK_MS);
    return configured > 0 ? configured : CREDENTIAL_CHECK_MS;
  }

  private live(): RelaySession[] {
    return [...this.sessions()].filter((s) => s.phase !== "ended");
  }

  /** Starts the checks if they are not running (call when a session starts); they stop once none is live. */
  watch(): void {
    if (this.timer !== null || this.live().length === 0) return;
    this.timer = setTimeout(() => void this.check(), this.intervalMs);
  }

  private async check(): Promise<void> {
    try {
      const byKey = new Map<string, RelaySession[]>();
      for (const session of this.live()) {
        const key = `${session.policy.tenantId}\n${session.credentialKeyId}`;
        byKey.set(key, [...(byKey.get(key) ?? []), session]);
      }
      await Promise.all([...byKey.values()].map((sessions) => this.checkKey(sessions)));
    } finally {
      this.timer = null;
      this.watch();
    }
  }

  /** Ends `sessions` (all held with one key of one tenant) if that key no longer admits them. */
  private async checkKey(sessions: RelaySession[]): Promise<void> {
    const [first] = sessions;
    if (!first) return;
    const { tenantId } = first.policy;
    const keyId = first.credentialKeyId;
    let admits: boolean;
    try {
      admits = await keyStillAdmits(this.env, tenantId, keyId);
    } catch (err) {
      log(this.env, "warn", "realtime credential not checked, will retry", {
        tenant: tenantId,
        key_id: keyId,
        error: String(err),
      });
      return;
    }
    if (admits) return;
    // A session that reattached with another credential while the read ran is judged by that one next time.
    for (const session of sessions) {
      if (session.credentialKeyId === keyId) session.end(endings.credentialRevoked());
    }
  }
}
