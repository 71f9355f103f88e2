package dev.keel.nexmark.queries;

import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.RowView;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import dev.keel.engine.program.ProgramBuilder;
import dev.keel.engine.program.ProgramDefinition;
import org.agrona.DirectBuffer;

import static dev.keel.nexmark.NexmarkSchemas.*;

/**
 * Nexmark q22, get URL directories: the first three path segments of each bid's URL.
 * <pre>
 *   CREATE VIEW q22 AS
 *   SELECT auction, bidder, price, channel,
 *       SPLIT_INDEX(url, '/', 3) AS dir1,
 *       SPLIT_INDEX(url, '/', 4) AS dir2,
 *       SPLIT_INDEX(url, '/', 5) AS dir3
 *   FROM bid;
 * </pre>
 * {@code SPLIT_INDEX(s, sep, i)} is the {@code i}-th (from 0) piece of {@code s} split at every {@code sep},
 * NULL when there are fewer pieces (Flink's definition): {@code https://www.nexmark.com/googl/item.htm?query=1}
 * gives {@code googl}, {@code item.htm?query=1}, NULL. Append-only, in input order.
 */
public final class Q22 implements ProgramDefinition
{
    public static final String NAME = "nexmark-q22";
    public static final String VIEW = "q22";

    public static final Schema SCHEMA = Schema.of(
        Column.of("auction", ColumnType.INT64),
        Column.of("bidder", ColumnType.INT64),
        Column.of("price", ColumnType.INT64),
        Column.of("channel", ColumnType.STRING),
        Column.nullable("dir1", ColumnType.STRING),
        Column.nullable("dir2", ColumnType.STRING),
        Column.nullable("dir3", ColumnType.STRING));

    private static final int FIRST_PIECE = 3;
    private static final int PIECES = 3;

    public void define(final ProgramBuilder program)
    {
        program.view(VIEW, program.table(NexmarkQueries.BID, BID).map(VIEW, SCHEMA,
            (in, out) ->
            {
                out.copyColumn(0, in, BID_AUCTION)
                    .copyColumn(1, in, BID_BIDDER)
                    .copyColumn(2, in, BID_PRICE)
                    .copyColumn(3, in, BID_CHANNEL);
                splitIndex(in, out);
            },
            "1"));
    }

    /** Puts pieces {@code FIRST_PIECE ..} of the URL split at '/' into columns 4 .., NULL past the last piece. */
    private static void splitIndex(final RowView in, final RowWriter out)
    {
        final DirectBuffer buffer = in.buffer();
        final int start = in.varOffset(BID_URL);
        final int end = start + in.varLength(BID_URL);
        int piece = 0;
        int pieceStart = start;
        for (int i = start; i <= end && piece < FIRST_PIECE + PIECES; i++)
        {
            if (i == end || buffer.getByte(i) == '/')
            {
                if (piece >= FIRST_PIECE)
                {
                    out.putBytes(4 + piece - FIRST_PIECE, buffer, pieceStart, i - pieceStart);
                }
                piece++;
                pieceStart = i + 1;
            }
        }
        for (int p = Math.max(piece, FIRST_PIECE); p < FIRST_PIECE + PIECES; p++)
        {
            out.putNull(4 + p - FIRST_PIECE);
        }
    }
}
