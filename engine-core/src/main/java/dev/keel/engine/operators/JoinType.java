package dev.keel.engine.operators;

/**
 * Kinds of equi-join.
 */
public enum JoinType
{
    /** Pairs of rows with equal, non-null keys. */
    INNER,
    /** Inner pairs, plus every left row without a match, combined with a null right row. */
    LEFT
}
