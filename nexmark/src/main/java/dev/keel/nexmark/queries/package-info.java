/**
 * The Nexmark queries as Keel programs, one {@link dev.keel.engine.program.ProgramDefinition} per query, found
 * by name through {@link dev.keel.nexmark.queries.NexmarkQueries}. Each reads the tables {@code person},
 * {@code auction} and {@code bid} it needs and publishes one view {@code qN}.
 * <p>
 * Implemented: q0-q10, q14-q22. Not implemented, for want of an operator:
 * <ul>
 *   <li>q11 (user sessions): session windows, whose windows merge as rows arrive;</li>
 *   <li>q12 (processing-time windows): a processing-time attribute; Keel's windows are event-time only, and a
 *   replayed step must see the same time (it would have to be an input, journaled like any other);</li>
 *   <li>q13 (bounded side input join): a processing-time temporal join ({@code FOR SYSTEM_TIME AS OF}); with a
 *   side table that never changes it is a plain join with a fourth, file-fed table, which the
 *   person/auction/bid harness does not provide.</li>
 * </ul>
 * Queries over auctions "closed" (q4, q6, q9) show, at every step, the result as if every auction closed now:
 * a filter re-evaluated as the watermark passes {@code expires} (a temporal filter) is the missing operator
 * that would emit closed auctions only.
 */
package dev.keel.nexmark.queries;
