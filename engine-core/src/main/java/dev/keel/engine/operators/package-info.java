/**
 * Incremental operators on Z-set deltas (DBSP's model): each consumes the deltas its inputs produced in
 * a step and emits the change of its own result. Stateful operators keep their state in the program's
 * {@link dev.keel.engine.state.PagedArena} (hash maps and indexed Z-sets of row bytes), never in Java
 * objects per key, and save the little metadata they need to be restored from a checkpoint. They are
 * reached through the DSL methods of {@link dev.keel.engine.program.Stream}.
 */
package dev.keel.engine.operators;
