/** One element of the state's `resources` array, as the bytes the file holds. */
export interface RawResource {
  /** Position in `resources`, from 0. */
  readonly index: number;
  /** Byte offset of the element's `{` in the input. */
  readonly offset: number;
  /** From `{` to the matching `}`, exactly as in the input. A view into its batch's `buffer`. */
  readonly bytes: Uint8Array;
}

/** Consecutive resources whose bytes share one buffer, so the batch can be transferred to a worker whole. */
export interface ResourceBatch {
  readonly resources: readonly RawResource[];
  /** Sum of the resources' byte lengths (the size of `buffer`). */
  readonly bytes: number;
  /** Owns every `resources[i].bytes`; list it in `transferList` to move it to a worker without a copy. */
  readonly buffer: ArrayBuffer;
}

/** A top-level field other than `resources`. */
export interface RawField {
  readonly key: string;
  /** Byte offset of the value's first byte in the input. */
  readonly offset: number;
  /** The value's bytes, exactly as in the input (a copy: it pins no input chunk). */
  readonly bytes: Uint8Array;
}

export type ScannerChoice = 'auto' | 'fast' | 'general';

export interface SplitStateOptions {
  /**
   * A batch is closed before it would grow past this many bytes (a single
   * larger resource makes a batch on its own). Default 1 MiB.
   */
  batchBytes?: number;
  /** Deepest nesting accepted, as in `parseJson` (default DEFAULT_MAX_DEPTH). */
  maxDepth?: number;
  /**
   * `auto` (default) and `fast` use the line-based path when the input has
   * Terraform's layout and fall back to the general scanner where it does
   * not; `general` never uses the line-based path.
   */
  scanner?: ScannerChoice;
  /** Input chunks are gathered to at least this many bytes before scanning. Default 64 KiB. */
  minWindowBytes?: number;
}

/** What the splitter learned about the input; complete once its batches have been iterated to the end. */
export interface SplitSummary {
  /** Top-level fields other than `resources`, in input order (a duplicated key appears twice). */
  readonly fields: readonly RawField[];
  /** Every top-level key in input order, `resources` included. */
  readonly keyOrder: readonly string[];
  readonly resourceCount: number;
  /** Bytes of input consumed. */
  readonly bytesRead: number;
  /** Resources found by the line-based path. */
  readonly fastResources: number;
  /**
   * Byte offset where the line-based path found the layout broken and the
   * general scanner took over, or undefined when it never did.
   */
  readonly fallbackOffset: number | undefined;
}
