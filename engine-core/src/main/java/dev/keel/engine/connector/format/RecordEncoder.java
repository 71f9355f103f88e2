package dev.keel.engine.connector.format;

import dev.keel.engine.data.RowView;
import org.agrona.ExpandableDirectByteBuffer;

/**
 * Encodes rows of one format as text lines, allocation-free in steady state. Not thread safe: one
 * instance per endpoint, used on its writer agent.
 */
public interface RecordEncoder
{
    /**
     * Writes one change line for {@code row}, an insert if {@code sign} is positive and a delete if
     * negative, terminated by {@code '\n'}, at {@code offset}.
     *
     * @return the offset after the line.
     */
    int encode(RowView row, long sign, ExpandableDirectByteBuffer out, int offset);
}
