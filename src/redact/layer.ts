// One compiled set of needles read over the stream: its two passes (exact.ts, view.ts), merged, and its masks.
import type { Automaton } from './automaton.js';
import { Exact } from './exact.js';
import { View } from './view.js';

const NONE: number[] = [];

/** Finds the occurrences of one automaton's needles (and of its view's); positions are absolute stream offsets. */
export class Layer {
  private readonly exact: Exact;
  private readonly view: View | null;
  /** Matches found by the last push, flat (start, end, name index), in order of their end. */
  readonly found: number[] = [];

  /** `masks[i]` is the text output for a span of the secret named `automaton.names[i]`; it reads from `startedAt` on. */
  constructor(readonly automaton: Automaton, readonly masks: readonly Buffer[], readonly startedAt: number) {
    this.exact = new Exact(automaton);
    this.view = automaton.view === null ? null : new View(automaton.view);
  }

  /** Reads `chunk`, which starts at stream offset `base`, leaving its matches in `found`. */
  push(chunk: Buffer, base: number): void {
    this.found.length = 0;
    this.exact.push(chunk, base);
    this.view?.push(chunk, base);
    const a = this.exact.found;
    const b = this.view?.found ?? NONE;
    if (a.length + b.length > 0) {
      // In order of their end, as the matcher takes them.
      let i = 0;
      let j = 0;
      while (i < a.length || j < b.length) {
        const fromA = j >= b.length || (i < a.length && a[i + 1]! <= b[j + 1]!);
        const found = fromA ? a : b;
        const at = fromA ? i : j;
        this.found.push(found[at]!, found[at + 1]!, found[at + 2]!);
        if (fromA) i += 3;
        else j += 3;
      }
    }
    a.length = b.length = 0;
  }

  /** The first offset a match may still start at: where the deepest partial match of either pass begins. */
  get safe(): number {
    return this.view === null ? this.exact.safe : Math.min(this.exact.safe, this.view.safe);
  }

  /** The mask of the secret that the partial match beginning at `safe` belongs to. */
  get heldMask(): Buffer {
    return this.masks[this.view !== null && this.view.safe < this.exact.safe ? this.view.name : this.exact.name]!;
  }
}

/** An occurrence to mask: stream offsets [start, end), and the mask it is output as. */
export interface Span {
  start: number;
  end: number;
  mask: Buffer;
}

/**
 * A matcher's layers: the first from the start of the stream, then the ones `learn` added, the newest last. A learned
 * layer holds the needles of those learned before it, which stay only while a partial match of theirs began before
 * the newest one started reading (after a release let its first bytes out, under the mask).
 */
export class Layers {
  private list: Layer[];
  /** The key name of each mask buffer (a matcher outputs the very buffers it was given). */
  private readonly names = new Map<Buffer, string>();

  constructor(automaton: Automaton, masks: readonly Buffer[]) {
    this.list = [this.make(automaton, masks, 0)];
  }

  private make(automaton: Automaton, masks: readonly Buffer[], startedAt: number): Layer {
    masks.forEach((mask, i) => this.names.set(mask, automaton.names[i]!));
    return new Layer(automaton, masks, startedAt);
  }

  /** Adds a layer that reads `held` (the bytes not yet output, from stream offset `from`) at once; its matches there. */
  learn(automaton: Automaton, masks: readonly Buffer[], held: Buffer, from: number): Span[] {
    const layer = this.make(automaton, masks, from);
    layer.push(held, from);
    this.list.push(layer);
    this.retire();
    return spans(layer);
  }

  /** Reads `chunk`, which starts at stream offset `base`, with every layer: their matches, in order of their end. */
  push(chunk: Buffer, base: number): Span[] {
    for (const layer of this.list) layer.push(chunk, base);
    if (this.list.length === 1) return spans(this.list[0]!);
    const all = this.list.flatMap(spans).sort((a, b) => a.end - b.end);
    if (this.list.length > 2) this.retire();
    return all;
  }

  /** Drops the learned layers before the newest but those with a partial match that began before it read. */
  private retire(): void {
    const newest = this.list.at(-1)!;
    this.list = this.list.filter((layer, i) => i === 0 || layer === newest || layer.safe < newest.startedAt);
  }

  /** The first offset a match may still start at: where the deepest partial match of any layer begins. */
  get safe(): number {
    let safe = this.list[0]!.safe;
    for (let i = 1; i < this.list.length; i++) safe = Math.min(safe, this.list[i]!.safe);
    return safe;
  }

  /** The mask of the secret that the partial match beginning at `safe` belongs to. */
  get heldMask(): Buffer {
    let deepest = this.list[0]!;
    for (const layer of this.list) if (layer.safe < deepest.safe) deepest = layer;
    return deepest.heldMask;
  }

  /** The key name of a mask buffer, or undefined for any other. */
  nameOf(piece: Buffer): string | undefined {
    return this.names.get(piece);
  }

  /** The first layer, and the newest learned one (which holds every learned needle). */
  get first(): Layer {
    return this.list[0]!;
  }

  get newest(): Layer | undefined {
    return this.list.length > 1 ? this.list.at(-1) : undefined;
  }
}

/** The matches of a layer's last push, as spans (taking them from it). */
function spans(layer: Layer): Span[] {
  const { found, masks } = layer;
  const out: Span[] = [];
  for (let i = 0; i < found.length; i += 3) out.push({ start: found[i]!, end: found[i + 1]!, mask: masks[found[i + 2]!]! });
  found.length = 0;
  return out;
}
