package dev.keel.engine.connector.format;

import dev.keel.engine.data.RowWriter;
import org.agrona.DirectBuffer;

/**
 * Parses text records of one format into rows, allocation-free in steady state. A record is framed by
 * the transport with {@link #findRecordEnd} and then parsed with {@link #parse}; errors are thrown as
 * {@link RecordParseException} with a message that names the column and the offending text.
 * Not thread safe: one instance per endpoint, used on its I/O agent.
 */
public interface RecordParser
{
    /**
     * Index of the {@code '\n'} that ends the record starting at {@code start}, or -1 if the record is not
     * complete within {@code [start, limit)}.
     */
    int findRecordEnd(DirectBuffer buffer, int start, int limit);

    /** True if the first record of the input is a header to pass to {@link #parseHeader}. */
    boolean expectsHeader();

    /** Reads the header record {@code [start, end)} (without the line terminator). */
    void parseHeader(DirectBuffer buffer, int start, int end);

    /**
     * Parses the record {@code [start, end)} (without the line terminator) into {@code writer}, which
     * this method resets, and finishes the row.
     *
     * @return the weight of the record, or 0 if the record is blank and carries no row.
     * @throws RecordParseException if the record is malformed.
     */
    long parse(DirectBuffer buffer, int start, int end, RowWriter writer);
}
