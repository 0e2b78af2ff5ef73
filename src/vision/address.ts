/**
 * SSRF guard for image hosts: the gateway's one outbound-URL guard (src/platform/outbound-url.ts),
 * re-exported where vision code and its unit test look for it.
 */
export { isIpLiteral, refusedAddress, refusedHost } from "../platform/outbound-address";
