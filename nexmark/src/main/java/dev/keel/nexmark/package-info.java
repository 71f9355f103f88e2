/**
 * The Nexmark benchmark's event source: {@link dev.keel.nexmark.NexmarkSchemas} (person, auction,
 * bid), a deterministic, random-access {@link dev.keel.nexmark.NexmarkGenerator} configured by
 * {@link dev.keel.nexmark.NexmarkSettings}, and the replayable per-table
 * {@link dev.keel.nexmark.NexmarkInputEndpoint} (transport {@code nexmark}).
 */
package dev.keel.nexmark;
