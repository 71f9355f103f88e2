/**
 * Keel's input write-ahead journal on an embedded Aeron Archive: {@link dev.keel.wal.JournalMedia} is the media
 * driver and archive (owned by the node), {@link dev.keel.wal.AeronJournal} implements the engine's {@code Journal}
 * SPI on it, {@link dev.keel.wal.JournalDump} lists a journal read-only.
 * <p>
 * Persistent formats: the step record is SBE schema 701 ({@code sbe/journal-schema.xml}, layout on
 * {@code StepRecordProxy}); segment files and catalog are Aeron Archive's own (catalog major version checked on
 * read). Directory layout: {@code JournalLayout}.
 */
package dev.keel.wal;
