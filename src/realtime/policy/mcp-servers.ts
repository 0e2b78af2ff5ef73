/**
 * Client-added MCP tools (`{"type":"mcp","server_label","server_url"|"connector_id",…}` in a session's
 * or a response's `tools`): the provider would let the model call any MCP server a client names, so
 * the gateway allows only the servers the tenant lists in `realtime.mcp_servers`. An entry is either a
 * URL (`https://mcp.example.com/` allows that origin and every path under the entry's path) or a
 * connector id (`connector_googledrive`, matched exactly). No list means no MCP tools.
 * @see https://platform.openai.com/docs/guides/tools-connectors-mcp
 */

const CONNECTOR_ENTRY = /^connector_[A-Za-z0-9_-]+$/;

/** True for an allow-list entry that is a connector id rather than a URL. */
export function isConnectorEntry(entry: string): boolean {
  return CONNECTOR_ENTRY.test(entry);
}

function parseUrl(value: string): URL | null {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url : null;
  } catch {
    return null;
  }
}

/**
 * True when `serverUrl` is under the allow-list entry `entry`: same scheme, host and port (parsed, so
 * `https://allowed.example@evil.example` or `https://allowed.example.evil.example` never match), no
 * credentials, and a path equal to the entry's or below it at a `/` boundary.
 */
export function mcpUrlAllowed(entry: string, serverUrl: string): boolean {
  const allowed = parseUrl(entry);
  const url = parseUrl(serverUrl);
  if (allowed === null || url === null || url.username !== "" || url.password !== "") return false;
  if (url.origin !== allowed.origin) return false;
  const prefix = allowed.pathname;
  if (prefix === "/" || prefix.endsWith("/")) return url.pathname.startsWith(prefix);
  return url.pathname === prefix || url.pathname.startsWith(`${prefix}/`);
}

/**
 * Why the MCP tool `tool` is refused under the tenant's list `allowed`, or null when it is allowed. A
 * tool naming both a connector and a URL is refused: the provider would pick one, and the gateway
 * cannot know which.
 */
export function mcpToolRefusal(allowed: readonly string[], tool: Record<string, unknown>): string | null {
  const label = typeof tool.server_label === "string" ? `'${tool.server_label}'` : "without a label";
  const { server_url: serverUrl, connector_id: connectorId } = tool;
  if (allowed.length === 0) {
    return `MCP tools are not allowed for this tenant (MCP server ${label}): the tenant lists no MCP servers in its 'realtime.mcp_servers' setting.`;
  }
  if (serverUrl !== undefined && connectorId !== undefined) {
    return `The MCP tool ${label} names both 'server_url' and 'connector_id': send one of them.`;
  }
  if (typeof connectorId === "string") {
    if (allowed.includes(connectorId) && isConnectorEntry(connectorId)) return null;
    return `The MCP connector '${connectorId}' is not allowed for this tenant. Allowed MCP servers: ${allowed.join(", ")}.`;
  }
  if (typeof serverUrl === "string") {
    if (allowed.some((entry) => !isConnectorEntry(entry) && mcpUrlAllowed(entry, serverUrl))) return null;
    return `The MCP server '${serverUrl}' is not allowed for this tenant. Allowed MCP servers: ${allowed.join(", ")}.`;
  }
  return `The MCP tool ${label} needs a string 'server_url' (or 'connector_id') the tenant allows.`;
}
