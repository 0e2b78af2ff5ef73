/** Model lifecycle: shutdown dates, the fine-tuning cutoff, and the clock they are judged by. */
export { lifecycleNow } from "./clock";
export {
  assertOpenAIFineTunable,
  assertServing,
  deprecationHeaders,
  isPast,
  modelShutDown,
  OPENAI_FINE_TUNING_CUTOFF,
  OPENAI_SHUTDOWNS,
  openaiShutdownDate,
  WARN_DAYS,
} from "./lifecycle";
