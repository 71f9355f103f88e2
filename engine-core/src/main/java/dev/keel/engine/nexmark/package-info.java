/**
 * The Nexmark benchmark's event source: {@link dev.keel.engine.nexmark.NexmarkSchemas} (person, auction,
 * bid), a deterministic, random-access {@link dev.keel.engine.nexmark.NexmarkGenerator} configured by
 * {@link dev.keel.engine.nexmark.NexmarkSettings}, and the replayable per-table
 * {@link dev.keel.engine.nexmark.NexmarkInputEndpoint} (transport {@code nexmark}).
 */
package dev.keel.engine.nexmark;
