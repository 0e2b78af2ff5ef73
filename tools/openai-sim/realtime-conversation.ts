/**
 * The ordered conversation of one Realtime session, with `previous_item_id` placement rules:
 * absent = append, `"root"` = insert first, an id = insert after that item.
 * @see https://platform.openai.com/docs/api-reference/realtime-client-events/conversation/item/create
 */
import type { SimItem } from "./realtime-types";
import { newId } from "./realtime-types";

/** Audio the conversation knows about an item: its PCM (user audio) and duration (both roles). */
interface ItemAudio {
  pcm: Buffer | null;
  ms: number;
  /** For assistant audio: the words spoken, in order, `msPerWord` each. */
  words?: string[];
}

export type InsertResult = { ok: true; previousItemId: string | null } | { ok: false; message: string };

export class Conversation {
  readonly id = newId("conv");
  private readonly items: SimItem[] = [];
  private readonly audio = new Map<string, ItemAudio>();

  list(): readonly SimItem[] {
    return this.items;
  }

  get(id: string): SimItem | undefined {
    return this.items.find((item) => item.id === id);
  }

  lastId(): string | null {
    return this.items.at(-1)?.id ?? null;
  }

  /** Inserts an item that already has an `id`; `previous` follows the `previous_item_id` rules. */
  insert(item: SimItem, previous?: string): InsertResult {
    if (item.id === undefined) return { ok: false, message: "Item has no id." };
    if (this.get(item.id)) return { ok: false, message: `Item with id '${item.id}' already exists.` };
    if (previous === undefined) {
      const previousItemId = this.lastId();
      this.items.push(item);
      return { ok: true, previousItemId };
    }
    if (previous === "root") {
      this.items.unshift(item);
      return { ok: true, previousItemId: null };
    }
    const index = this.items.findIndex((existing) => existing.id === previous);
    if (index < 0) return { ok: false, message: `Previous item with id '${previous}' not found.` };
    this.items.splice(index + 1, 0, item);
    return { ok: true, previousItemId: previous };
  }

  /** The id of the item just before `id` (what `previous_item_id` reports), or null if first. */
  previousOf(id: string | undefined): string | null {
    const index = this.items.findIndex((item) => item.id === id);
    return index > 0 ? (this.items[index - 1]?.id ?? null) : null;
  }

  delete(id: string): boolean {
    const index = this.items.findIndex((item) => item.id === id);
    if (index < 0) return false;
    this.items.splice(index, 1);
    this.audio.delete(id);
    return true;
  }

  setAudio(id: string, audio: ItemAudio): void {
    this.audio.set(id, audio);
  }

  audioOf(id: string | undefined): ItemAudio | undefined {
    return id === undefined ? undefined : this.audio.get(id);
  }
}
