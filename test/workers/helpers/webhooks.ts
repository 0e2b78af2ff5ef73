/** Standard Webhooks signing as a sender does it: the reference trainer's WebCrypto signer. */
export { signWebhook } from "../../../tools/reference-trainer/standard-webhooks";
