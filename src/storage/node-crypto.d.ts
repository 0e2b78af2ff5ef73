/**
 * The part of `node:crypto` (served by workerd under `nodejs_compat`) that src/storage/segments.ts
 * uses. Declared here rather than through `@types/node`, whose globals clash with the Workers types.
 * @see https://developers.cloudflare.com/workers/runtime-apis/nodejs/crypto/
 */
declare module "node:crypto" {
  interface CipherGCM {
    update(data: Uint8Array): Uint8Array;
    final(): Uint8Array;
    getAuthTag(): Uint8Array;
  }
  interface DecipherGCM {
    update(data: Uint8Array): Uint8Array;
    final(): Uint8Array;
    setAuthTag(tag: Uint8Array): this;
  }
  export function createCipheriv(algorithm: "aes-128-gcm", key: Uint8Array, iv: Uint8Array): CipherGCM;
  export function createDecipheriv(algorithm: "aes-128-gcm", key: Uint8Array, iv: Uint8Array): DecipherGCM;
}
