/**
 * Checkpoints of operator state: {@link dev.keel.checkpoint.FileCheckpointStore} implements the engine's
 * {@link dev.keel.engine.spi.CheckpointStore}; {@link dev.keel.checkpoint.CheckpointTool} is the read-only
 * {@code keel checkpoint list|verify}; {@link dev.keel.checkpoint.CheckpointFormat} documents the files.
 * <p>
 * Flow of one checkpoint:
 * <pre>
 *   owner thread                          writer thread (CheckpointWriterAgent)
 *   snapshot = arena.freeze()  (lists dirty pages only)
 *   store.begin(metadata, snapshot) ----> per duty cycle: acquire 16 pages, CRC32C, one gathering O_DIRECT
 *   ... steps go on (copy-on-write)       write at H + i*64 KiB, release; per file: header region at 0, fsync;
 *                                          fsync &lt;uuid&gt;/ and checkpoints/  (the one durability barrier)
 *   pending.isWritten() -> snapshot.close()
 *   outputs delivered -> pending.requestCommit() ----------> manifest, catalog, CURRENT (StorageBackend commit
 *   ... steps go on                                         protocol each: temp, fsync, rename, fsync dir);
 *                                                           retention: catalog trimmed, unreferenced files
 *   pending.isCommitted() (polled) &lt;-------------------- deleted a few per duty cycle
 * </pre>
 * Metadata goes through a {@link dev.keel.engine.storage.StorageBackend} over {@code checkpoints/}; page files
 * are written and read there directly (direct I/O).
 */
package dev.keel.checkpoint;
