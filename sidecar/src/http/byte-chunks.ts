/**
 * A response body made of byte chunks, each sent as it is: parts cached per snapshot or plan (megabytes at a
 * million images) are written to every response without being copied into one buffer or encoded again.
 */
export function byteChunks(chunks: readonly Uint8Array[]): { readonly body: ReadableStream<Uint8Array>; readonly length: number } {
  return {
    body: new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    }),
    length: chunks.reduce((n, chunk) => n + chunk.byteLength, 0),
  };
}
