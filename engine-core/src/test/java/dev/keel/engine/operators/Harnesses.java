package dev.keel.engine.operators;

import java.util.Comparator;
import java.util.List;

/** Shared helpers of the operator tests. */
final class Harnesses
{
    /** A total order on test rows (by their string form), only to make random choices reproducible. */
    static final Comparator<List<Object>> ROW_ORDER = Comparator.comparing(Object::toString);

    private Harnesses()
    {
    }
}
