// @ts-check
/**
 * The playground's session settings: end user, model (from the tenant's policy, free text allowed so
 * the gateway's own refusal can be seen), voice, turn detection, tool choice and instructions.
 */

import { field, h } from "../ui.js";

/** @typedef {import("./session.js").SessionConfig} SessionConfig */

const DEFAULT_MODELS = ["gpt-realtime", "gpt-realtime-mini"];
const DEFAULT_VOICES = [
  "marin",
  "cedar",
  "alloy",
  "ash",
  "ballad",
  "coral",
  "echo",
  "sage",
  "shimmer",
  "verse",
];

/**
 * @typedef {object} PolicyChoices
 * @property {string[]} models
 * @property {string[]} voices
 * @property {boolean} restricted the tenant limits models
 */

/**
 * Models and voices the tenant's policy allows (`allowed_models` ∩ `realtime.allowed_models`, as the
 * gateway checks them; `realtime.allowed_voices`, first is the default), or sensible defaults.
 * @param {Record<string, any>} settings
 * @returns {PolicyChoices}
 */
export function policyChoices(settings) {
  const lists = [settings.allowed_models, settings.realtime?.allowed_models].filter(Array.isArray);
  let models = DEFAULT_MODELS;
  if (lists.length > 0) {
    const [first, ...rest] = /** @type {string[][]} */ (lists);
    const allowed = first.filter((m) => rest.every((list) => list.includes(m)));
    const realtime = allowed.filter((m) => /realtime|audio/.test(m));
    models = realtime.length > 0 ? realtime : allowed;
  }
  const voices = settings.realtime?.allowed_voices;
  return { models, voices: Array.isArray(voices) ? voices : DEFAULT_VOICES, restricted: lists.length > 0 };
}

/** @param {string} name @param {[string, string][]} options */
const select = (name, options) =>
  h(
    "select",
    { name },
    options.map(([value, label]) => h("option", { value }, label)),
  );

/** @param {PolicyChoices} choices */
export function settingsForm(choices) {
  const user = h("input", { name: "user", value: "console-playground", autocomplete: "off", required: true });
  const model = h("input", {
    name: "model",
    list: "pg-models",
    value: choices.models[0] ?? "gpt-realtime",
    autocomplete: "off",
  });
  const voice = select(
    "voice",
    choices.voices.map((v) => [v, v]),
  );
  const turns = select("turn_detection", [
    ["server_vad", "Server VAD (hands-free)"],
    ["push_to_talk", "Push to talk"],
  ]);
  const toolChoice = select("tool_choice", [
    ["auto", "auto"],
    ["required", "required"],
    ["none", "none"],
  ]);
  const instructions = h("textarea", {
    name: "instructions",
    rows: 3,
    placeholder: "You are a helpful voice assistant.",
  });
  const el = h(
    "div",
    {},
    h(
      "div",
      { class: "pg-fields" },
      field("End user", user, "The token is minted for this user; sessions, quotas and limits are per user."),
      field(
        "Model",
        model,
        choices.restricted
          ? `Allowed by the tenant: ${choices.models.join(", ") || "none"}`
          : "Any Realtime model the provider offers.",
      ),
      h(
        "datalist",
        { id: "pg-models" },
        choices.models.map((m) => h("option", { value: m })),
      ),
      field("Voice", voice),
      field("Turn detection", turns),
      field("Tool choice", toolChoice, "'required' makes the model call a tool on every turn."),
    ),
    field("Instructions", instructions, "Added after the tenant's enforced instructions, if any."),
  );
  return {
    el,
    user: () => user.value.trim(),
    pushToTalk: () => turns.value === "push_to_talk",
    /** @returns {SessionConfig} */
    config: () => ({
      model: model.value.trim(),
      voice: voice.value,
      instructions: instructions.value,
      turnDetection: turns.value === "push_to_talk" ? "push_to_talk" : "server_vad",
      toolChoice:
        toolChoice.value === "required" ? "required" : toolChoice.value === "none" ? "none" : "auto",
    }),
    /** The user and the model are fixed while connected; the rest applies live. @param {boolean} connected */
    lock: (connected) => {
      user.disabled = connected;
      model.disabled = connected;
    },
    /** Settings that can change a live session (`session.update`). @param {() => void} listener */
    onLiveChange: (listener) => {
      for (const control of [voice, turns, toolChoice, instructions])
        control.addEventListener("change", listener);
    },
  };
}
