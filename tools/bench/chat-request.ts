/**
 * The chat completion request the in-workerd benches (`isolate`, `phases`) send the gateway: a short
 * prompt with `max_tokens: 8`, sized with `content-length` as an SDK sends it. One definition, so
 * both suites time the same request.
 */
export function benchChatRequest(url: string, key: string, content: string): Request {
  const body = JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content }], max_tokens: 8 });
  return new Request(url, {
    method: "POST",
    headers: {
      authorization: `Bearer ${key}`,
      "content-type": "application/json",
      "content-length": String(body.length),
    },
    body,
  });
}
