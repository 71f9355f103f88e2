package dev.keel.engine.program;

import dev.keel.engine.operators.Operator;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How a program differs from the one that wrote a checkpoint, operator by operator: operators are the same when
 * their lineage fingerprints are (the operator and everything it reads, transitively, unchanged), so their state
 * is kept. Views are added (new name), removed (name gone) or modified (same name, another lineage).
 * <p>
 * A bootstrap gives the new and changed operators fresh state and recomputes them, in one recompute step, from the
 * input tables' contents. Unchanged operators keep their state and keep running; when a recomputed operator or an
 * added view reads one of them, its whole contents are computed for that step on a scratch copy of the program
 * (then dropped), so that its own state is not disturbed. Only added and modified views emit, their full contents.
 */
public final class ProgramChange
{
    private final List<String> addedViews = new ArrayList<>();
    private final List<String> removedViews = new ArrayList<>();
    private final List<String> modifiedViews = new ArrayList<>();
    private final List<String> addedOperators = new ArrayList<>();
    private final List<String> removedOperators = new ArrayList<>();
    private final List<String> modifiedOperators = new ArrayList<>();
    private final List<String> changedTables = new ArrayList<>();
    private final List<String> addedTables = new ArrayList<>();
    private final List<String> removedTables = new ArrayList<>();
    private final List<String> modifiedTables = new ArrayList<>();
    private final List<String> recomputedOperators = new ArrayList<>();
    private final List<String> missingContents = new ArrayList<>();
    private final Set<String> emittedViews = new LinkedHashSet<>();
    private final boolean[] recomputeMask;
    private final boolean[] contentsMask;
    private final byte[][] keptMeta;

    private ProgramChange(final ProgramShape saved, final Program program)
    {
        final List<Operator> operators = program.operators();
        final int n = operators.size();
        recomputeMask = new boolean[n];
        contentsMask = new boolean[n];
        keptMeta = new byte[n][];

        // match operators by lineage, in order (identical operators on the same input match one to one)
        final Map<Long, ArrayDeque<Integer>> byLineage = new HashMap<>();
        final List<ProgramShape.SavedOperator> savedOperators = saved.operators();
        for (int j = 0; j < savedOperators.size(); j++)
        {
            byLineage.computeIfAbsent(savedOperators.get(j).lineage(), k -> new ArrayDeque<>()).add(j);
        }
        final boolean[] savedMatched = new boolean[savedOperators.size()];
        final boolean[] changed = new boolean[n];
        for (int i = 0; i < n; i++)
        {
            final ArrayDeque<Integer> candidates = byLineage.get(operators.get(i).lineageFingerprint());
            final Integer j = null == candidates ? null : candidates.poll();
            if (null == j)
            {
                changed[i] = true;
            }
            else
            {
                savedMatched[j] = true;
                keptMeta[i] = savedOperators.get(j).meta();
            }
        }
        final Set<String> unmatchedSavedNames = new LinkedHashSet<>();
        for (int j = 0; j < savedOperators.size(); j++)
        {
            if (!savedMatched[j])
            {
                unmatchedSavedNames.add(savedOperators.get(j).name());
                if ("table".equals(savedOperators.get(j).kind()))
                {
                    changedTables.add(savedOperators.get(j).name());
                }
            }
        }
        final Set<String> changedNames = new LinkedHashSet<>();
        for (int i = 0; i < n; i++)
        {
            if (changed[i])
            {
                final Operator operator = operators.get(i);
                changedNames.add(operator.name());
                (unmatchedSavedNames.contains(operator.name()) ? modifiedOperators : addedOperators)
                    .add(operator.name());
                if (operator instanceof InputTable && !changedTables.contains(operator.name()))
                {
                    changedTables.add(operator.name());
                }
            }
        }
        for (final String name : unmatchedSavedNames)
        {
            if (!changedNames.contains(name))
            {
                removedOperators.add(name);
            }
        }
        for (final String table : changedTables)
        {
            if (!program.tables().containsKey(table))
            {
                removedTables.add(table);
            }
            else if (unmatchedSavedNames.contains(table))
            {
                modifiedTables.add(table);
            }
            else
            {
                addedTables.add(table);
            }
        }

        for (final Map.Entry<String, Operator> view : program.views().entrySet())
        {
            final Long before = saved.views().get(view.getKey());
            if (null == before)
            {
                addedViews.add(view.getKey());
            }
            else if (before != view.getValue().lineageFingerprint())
            {
                modifiedViews.add(view.getKey());
            }
            else
            {
                continue;
            }
            emittedViews.add(view.getKey());
        }
        for (final String view : saved.views().keySet())
        {
            if (!program.views().containsKey(view))
            {
                removedViews.add(view);
            }
        }

        for (int i = 0; i < n; i++)
        {
            recomputeMask[i] = changed[i] && !(operators.get(i) instanceof InputTable);
            contentsMask[i] = recomputeMask[i];
            if (recomputeMask[i])
            {
                recomputedOperators.add(operators.get(i).name());
            }
        }
        for (final String view : emittedViews)
        {
            contentsMask[program.views().get(view).id()] = true;
        }
        // whatever a recomputed operator or an emitted view reads must show its whole contents in the recompute step
        for (int i = n - 1; i >= 0; i--)
        {
            if (!contentsMask[i])
            {
                continue;
            }
            final Operator[] inputs = operators.get(i).inputs();
            final int inputCount = null == inputs ? i : inputs.length;
            for (int k = 0; k < inputCount; k++)
            {
                final int input = null == inputs ? k : inputs[k].id();
                if (!(operators.get(input) instanceof InputTable))
                {
                    contentsMask[input] = true;
                }
            }
        }
        findMissingContents(operators, changed);
    }

    private void findMissingContents(final List<Operator> operators, final boolean[] changed)
    {
        // every table that the recomputed operators and the emitted views read, transitively
        final int n = operators.size();
        final boolean[] read = new boolean[n];
        for (int i = n - 1; i >= 0; i--)
        {
            read[i] |= recomputeMask[i] || contentsMask[i];
            if (!read[i])
            {
                continue;
            }
            final Operator[] inputs = operators.get(i).inputs();
            final int inputCount = null == inputs ? i : inputs.length;
            for (int k = 0; k < inputCount; k++)
            {
                read[null == inputs ? k : inputs[k].id()] = true;
            }
        }
        for (int i = 0; i < n; i++)
        {
            // an added or modified table is empty: nothing to keep
            if (read[i] && !changed[i] && operators.get(i) instanceof InputTable &&
                !((InputTable)operators.get(i)).declaredMaterialized())
            {
                missingContents.add(operators.get(i).name());
            }
        }
    }

    /**
     * Compares a checkpoint's program with this one.
     *
     * @param saved   the checkpoint's program.
     * @param program this program.
     * @return the change (possibly none, see {@link #isEmpty()}).
     */
    public static ProgramChange between(final ProgramShape saved, final Program program)
    {
        return new ProgramChange(saved, program);
    }

    /** True if no operator and no view changed: the checkpoint restores as it is. */
    public boolean isEmpty()
    {
        return addedViews.isEmpty() && removedViews.isEmpty() && modifiedViews.isEmpty() &&
            addedOperators.isEmpty() && removedOperators.isEmpty() && modifiedOperators.isEmpty();
    }

    public List<String> addedViews()
    {
        return Collections.unmodifiableList(addedViews);
    }

    public List<String> removedViews()
    {
        return Collections.unmodifiableList(removedViews);
    }

    public List<String> modifiedViews()
    {
        return Collections.unmodifiableList(modifiedViews);
    }

    public List<String> addedOperators()
    {
        return Collections.unmodifiableList(addedOperators);
    }

    public List<String> removedOperators()
    {
        return Collections.unmodifiableList(removedOperators);
    }

    public List<String> modifiedOperators()
    {
        return Collections.unmodifiableList(modifiedOperators);
    }

    /**
     * Input tables added, removed or modified (schema, key or kind changed). As Feldera does, a bootstrap starts an
     * added or modified table empty and its input connectors from their initial position; views over it are
     * recomputed against the empty table and then follow as the table fills again.
     */
    public List<String> changedTables()
    {
        return Collections.unmodifiableList(changedTables);
    }

    /**
     * Unchanged input tables that the recompute must read but that keep no contents (not declared materialized, not
     * keyed): a bootstrap cannot recompute the views over them.
     */
    public List<String> missingContents()
    {
        return Collections.unmodifiableList(missingContents);
    }

    /** Input tables of this program that the checkpoint's did not have. */
    public List<String> addedTables()
    {
        return Collections.unmodifiableList(addedTables);
    }

    /** Input tables of the checkpoint's program that this one does not have: their contents are dropped. */
    public List<String> removedTables()
    {
        return Collections.unmodifiableList(removedTables);
    }

    /** Input tables of both programs whose schema, key or kind differ: they start empty. */
    public List<String> modifiedTables()
    {
        return Collections.unmodifiableList(modifiedTables);
    }

    /**
     * True if an input of {@code table} starts from its connector's initial position rather than the checkpoint's:
     * the table was added or modified.
     *
     * @param table an input table of this program.
     * @return true for an added or modified table.
     */
    public boolean resetsTable(final String table)
    {
        return addedTables.contains(table) || modifiedTables.contains(table);
    }

    /** Operators that get fresh state and are recomputed from the input tables (the new and changed), in order. */
    public List<String> recomputedOperators()
    {
        return Collections.unmodifiableList(recomputedOperators);
    }

    /** Views whose full contents the recompute step emits: the added and modified ones. */
    public Set<String> emittedViews()
    {
        return Collections.unmodifiableSet(emittedViews);
    }

    boolean[] recomputeMask()
    {
        return recomputeMask;
    }

    boolean[] contentsMask()
    {
        return contentsMask;
    }

    byte[][] keptMeta()
    {
        return keptMeta;
    }

    /** e.g. {@code views added [b], removed [], modified [a]; operators added [...], ...}. */
    public String describe()
    {
        return "views added " + addedViews + ", removed " + removedViews + ", modified " + modifiedViews +
            "; operators added " + addedOperators + ", removed " + removedOperators + ", modified " +
            modifiedOperators + (changedTables.isEmpty() ? "" : "; tables added " + addedTables + ", removed " +
            removedTables + ", modified " + modifiedTables);
    }

    public String toString()
    {
        return describe();
    }
}
