package dev.keel.engine.program;

import dev.keel.engine.operators.Operator;

import dev.keel.engine.state.MetaBuffer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The program a checkpoint was written by, as far as a bootstrap needs it: its operators in order (name, kind,
 * lineage fingerprint, saved metadata) and its views (name, lineage fingerprint of the operator behind it), read
 * from the checkpoint's program metadata ({@link Program#saveMeta}).
 */
public final class ProgramShape
{
    /** First int of program metadata in this layout; older checkpoints start with the operator count. */
    public static final int MAGIC = 0x4B50_5348;

    /**
     * One operator of the checkpoint's program.
     *
     * @param name    its name.
     * @param kind    its kind ("table", "map", ...).
     * @param lineage its {@link Operator#lineageFingerprint()}.
     * @param meta    its saved metadata.
     */
    public record SavedOperator(String name, String kind, long lineage, byte[] meta)
    {
    }

    private final List<SavedOperator> operators;
    private final Map<String, Long> views;

    private ProgramShape(final List<SavedOperator> operators, final Map<String, Long> views)
    {
        this.operators = Collections.unmodifiableList(operators);
        this.views = Collections.unmodifiableMap(views);
    }

    /**
     * Reads the shape from a checkpoint's program metadata.
     *
     * @param programMeta the bytes of {@link Program#saveMeta} (of one worker or of several).
     * @return the shape, or null if the metadata predates per-operator fingerprints.
     */
    public static ProgramShape read(final byte[] programMeta)
    {
        final MetaBuffer meta = new MetaBuffer(programMeta);
        if (meta.peekInt(0) == Program.WORKERS_MAGIC)
        {
            // one metadata per worker, every worker runs the same program: the first one's shape is the shape
            meta.getInt();
            meta.getInt();
            return read(meta.getByteArray());
        }
        if (meta.remaining() < 4 || meta.getInt() != MAGIC)
        {
            return null;
        }
        final int count = meta.getInt();
        final List<SavedOperator> operators = new ArrayList<>(count);
        for (int i = 0; i < count; i++)
        {
            operators.add(new SavedOperator(meta.getString(), meta.getString(), meta.getLong(), meta.getByteArray()));
        }
        final int viewCount = meta.getInt();
        final Map<String, Long> views = new LinkedHashMap<>();
        for (int i = 0; i < viewCount; i++)
        {
            views.put(meta.getString(), meta.getLong());
        }
        return new ProgramShape(operators, views);
    }

    /** The operators, in evaluation order. */
    public List<SavedOperator> operators()
    {
        return operators;
    }

    /** View name to the lineage fingerprint of its operator, in declaration order. */
    public Map<String, Long> views()
    {
        return views;
    }
}
