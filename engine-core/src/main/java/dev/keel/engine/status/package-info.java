/**
 * The node's counters registry, {@link dev.keel.engine.status.KeelCounters}: one Agrona counters file the
 * pipeline, its endpoints, the journal, the checkpoint writer and the sync agent allocate their counters in, read
 * by the control server's Prometheus export and by tools. Depends on nothing else in Keel, so every layer can
 * publish into it.
 */
package dev.keel.engine.status;
