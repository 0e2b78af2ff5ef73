/**
 * Ready-to-run LoRA recipes written into a training bundle: an axolotl config for the base model,
 * reading the bundle's JSONL beside it (`axolotl train axolotl.yaml`).
 * @see https://docs.axolotl.ai/docs/config-reference.html
 * @see https://docs.axolotl.ai/docs/rlhf.html
 */
import { RECIPE_SEQUENCE_LEN } from "../vision/profiles";
import type { Method } from "./repository";
import type { TrainingHyperparameters } from "./schemas";

/** Hugging Face repositories of the open-weight models known by their serving names. */
const HF_REPOS: Readonly<Record<string, string>> = {
  "llama-3.1-8b-instruct": "meta-llama/Llama-3.1-8B-Instruct",
  "llama-3.2-3b-instruct": "meta-llama/Llama-3.2-3B-Instruct",
  "qwen2.5-7b-instruct": "Qwen/Qwen2.5-7B-Instruct",
  "mistral-7b-instruct": "mistralai/Mistral-7B-Instruct-v0.3",
  "qwen2.5-vl-7b-instruct": "Qwen/Qwen2.5-VL-7B-Instruct",
  "llama-3.2-11b-vision-instruct": "meta-llama/Llama-3.2-11B-Vision-Instruct",
  "gemma-3-4b-it": "google/gemma-3-4b-it",
};

/** The Hugging Face id to load: a known serving name's repository, else the name as given. */
export function huggingFaceId(model: string): string {
  return HF_REPOS[model.toLowerCase()] ?? model;
}

/** The hyperparameters a recipe uses: the requested ones over LoRA defaults. */
export function recipeHyperparameters(h: TrainingHyperparameters) {
  return {
    n_epochs: typeof h.n_epochs === "number" ? h.n_epochs : 3,
    batch_size: typeof h.batch_size === "number" ? h.batch_size : 8,
    learning_rate: h.learning_rate ?? 2e-4,
    lora_r: h.lora_r ?? 16,
    lora_alpha: h.lora_alpha ?? 32,
  };
}

/** `axolotl.yaml`: LoRA on the base model, SFT on `train.jsonl` or DPO on its preference pairs. */
export function axolotlYaml(
  model: string,
  method: Method,
  h: TrainingHyperparameters,
  hasValidation: boolean,
  vision = false,
): string {
  const p = recipeHyperparameters(h);
  const microBatch = Math.min(p.batch_size, 2);
  const dataset = (path: string) =>
    method === "dpo"
      ? [
          `  - path: ${path}`,
          "    type: chat_template.default",
          "    field_messages: prompt",
          "    field_chosen: chosen",
          "    field_rejected: rejected",
        ]
      : [`  - path: ${path}`, "    type: chat_template", "    field_messages: messages"];
  const lines = [
    `base_model: ${huggingFaceId(model)}`,
    ...(method === "dpo" ? ["rl: dpo"] : []),
    "adapter: lora",
    `lora_r: ${p.lora_r}`,
    `lora_alpha: ${p.lora_alpha}`,
    "lora_dropout: 0.05",
    "lora_target_linear: true",
    "chat_template: tokenizer_default",
    `sequence_len: ${RECIPE_SEQUENCE_LEN}`,
    ...(vision
      ? [
          "# Vision: the processor prepares images; examples are not packed. The lines carry OpenAI's",
          "# image_url parts (data URLs, or signed URLs valid 7 days): convert them to your axolotl",
          "# version's image parts if it does not read image_url (docs/training.md, vision).",
          "processor_type: AutoProcessor",
          "skip_prepare_dataset: true",
          "remove_unused_columns: false",
          "sample_packing: false",
        ]
      : []),
    "datasets:",
    ...dataset("train.jsonl"),
    ...(hasValidation ? ["test_datasets:", ...dataset("validation.jsonl"), "    split: train"] : []),
    `num_epochs: ${p.n_epochs}`,
    `micro_batch_size: ${microBatch}`,
    `gradient_accumulation_steps: ${Math.max(1, Math.round(p.batch_size / microBatch))}`,
    `learning_rate: ${p.learning_rate}`,
    "optimizer: adamw_torch",
    "lr_scheduler: cosine",
    "bf16: auto",
    "output_dir: ./outputs/lora",
  ];
  return `${lines.join("\n")}\n`;
}
