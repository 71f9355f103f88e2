/**
 * Checkpoints of operator state: {@link dev.keel.checkpoint.FileCheckpointStore} implements the engine's
 * {@link dev.keel.engine.spi.CheckpointStore}; {@link dev.keel.checkpoint.CheckpointTool} is the read-only
 * {@code keel checkpoint list|verify}; {@link dev.keel.checkpoint.CheckpointFormat} documents the files.
 * <p>
 * Flow of one checkpoint:
 * <pre>
 *   owner thread                          writer thread (CheckpointWriterAgent)
 *   snapshot = arena.freeze()  (swaps the dirty bitmap, copies the allocator's arrays: O(1) in pages)
 *   store.begin(metadata, snapshot) ----> frozen-page list from the bitmap, allocator metadata encoded, every
 *   ... steps go on (copy-on-write on     page checked to be in the snapshot or the page table; then per duty
 *       the first write to a page)        cycle: acquire 16 pages, CRC32C, one gathering O_DIRECT write at
 *                                          H + i*64 KiB, release; per file: header region at 0, fsync;
 *                                          fsync &lt;uuid&gt;/ and checkpoints/ (the one durability barrier);
 *                                          the written files enter the page table
 *   pending.isWritten() -> snapshot.close()  (nothing to do after a complete write)
 *   outputs delivered -> pending.requestCommit() ----------> manifest built from the page table; manifest,
 *   ... steps go on                                         catalog, CURRENT (StorageBackend commit protocol
 *                                                           each: temp, fsync, rename, fsync dir); the
 *                                                           "committed" log line; retention: catalog trimmed,
 *   pending.isCommitted() (polled) &lt;-------------------- unreferenced files deleted a few per duty cycle
 * </pre>
 * Nothing the owner does for a checkpoint grows with the number of pages: the circuit's stall is the freeze,
 * {@code begin} and the two polls (benchmarks/README.md, "Circuit stall per checkpoint").
 * <p>
 * Metadata goes through a {@link dev.keel.engine.storage.StorageBackend} over {@code checkpoints/}; page files
 * are written and read there directly (direct I/O).
 */
package dev.keel.checkpoint;
