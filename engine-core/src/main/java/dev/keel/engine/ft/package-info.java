/**
 * Fault tolerance on top of the circuit: {@link dev.keel.engine.ft.Recovery} bootstraps a pipeline from its newest
 * valid checkpoint at launch ({@code INITIALIZING -> BOOTSTRAPPING -> REPLAYING -> RUNNING}), and
 * {@link dev.keel.engine.ft.CheckpointCoordinator} takes checkpoints on the circuit thread (periodic, requested,
 * on a clean close) through the {@link dev.keel.engine.spi.CheckpointStore} SPI. The circuit never waits for
 * storage: it begins a checkpoint, polls until its pages are written, requests the commit and polls until the
 * store's writer made it durable (manifest, catalog, root pointer); only then do the requests it covers succeed.
 * <p>
 * Output positions and models. A checkpoint at step S is begun only once every output delivered transaction S;
 * it records the (position, transaction T >= S) pair each output published then. On restore an output truncates
 * to that position and skips transactions up to T for {@code exactly_once} (the journal's replay re-creates
 * S+1..T identically), or up to S for {@code at_least_once} and {@code none} (the steps after S are re-run with
 * new boundaries and appended: output after the checkpoint may repeat). A clean close pauses input first, so
 * T = S and nothing repeats.
 * <p>
 * A checkpoint of another version of the program is handled by the bootstrap policy (allow, reject,
 * await_approval; see {@code Recovery} and {@link dev.keel.engine.program.ProgramChange}).
 * <p>
 * Request sequence numbers and their statuses are kept in {@code checkpoint-requests} and
 * {@code checkpoint-statuses} next to the checkpoints (see {@code CheckpointRequests}), written through the
 * {@link dev.keel.engine.storage.StorageBackend}'s one durable commit protocol.
 */
package dev.keel.engine.ft;
