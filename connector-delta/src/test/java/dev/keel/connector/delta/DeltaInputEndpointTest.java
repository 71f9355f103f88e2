package dev.keel.connector.delta;

import dev.keel.engine.config.FaultToleranceModel;
import dev.keel.engine.config.InputEndpointConfig;
import dev.keel.engine.config.PipelineConfigParser;
import dev.keel.engine.connector.ConnectorContext;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.ZSetBatch;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.keel.connector.delta.DeltaTestSupport.SCHEMA;
import static dev.keel.connector.delta.DeltaTestSupport.output;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code delta_table_input} on a table written by {@code delta_table_output}: the snapshot is read file by file,
 * a reopen at a journaled (position, token) resumes inside a file with nothing lost or repeated, and
 * {@code snapshot_and_follow} picks up versions committed later.
 */
class DeltaInputEndpointTest
{
    @TempDir
    Path dir;

    private final RowWriter writer = new RowWriter(SCHEMA);

    private static InputEndpointConfig input(final String transportConfigJson)
    {
        return PipelineConfigParser.parse("{\"inputs\": {\"in\": {\"stream\": \"t\", \"transport\": " +
            "{\"name\": \"delta_table_input\", \"config\": " + transportConfigJson + "}}}}").inputs().get("in");
    }

    private DeltaInputEndpoint endpoint(final String uri, final String mode)
    {
        return (DeltaInputEndpoint)new DeltaInputConnector().create(
            input("{\"uri\": \"" + uri + "\", \"mode\": \"" + mode + "\", \"poll_interval_ms\": 10}"), SCHEMA,
            new ConnectorContext());
    }

    /** Writes steps from..to, one Delta commit (one file) each, with ids t * 100 + i for i < rows. */
    private void write(final String uri, final long from, final long to, final int rows) throws Exception
    {
        try (DeltaOutputEndpoint out = (DeltaOutputEndpoint)new DeltaOutputConnector().create(
            output("{\"uri\": \"" + uri + "\"}"), SCHEMA,
            new ConnectorContext().pipelineName("w").faultToleranceModel(FaultToleranceModel.EXACTLY_ONCE)))
        {
            out.open();
            for (long t = from; t <= to; t++)
            {
                final ZSetBatch batch = new ZSetBatch(SCHEMA);
                for (int i = 0; i < rows; i++)
                {
                    writer.reset().putLong(0, t * 100 + i).putString(1, "s" + t).putInt(2, i).putDouble(3, 1.5)
                        .putLong(4, 12345).putLong(5, 7).putBool(6, true).putNull(7).finish();
                    batch.add(writer, 1);
                }
                out.onDurable(t);
                while (!out.offer(t, batch))
                {
                    out.agent().doWork();
                }
                out.flush();
                while (out.deliveredTransactionId() < t)
                {
                    out.agent().doWork();
                    out.checkError();
                }
            }
            out.agent().onClose();
        }
    }

    /** Polls up to {@code count} records (or to the end of input), collecting their ids. */
    private static void poll(final DeltaInputEndpoint in, final int count, final List<Long> ids) throws Exception
    {
        final ZSetBatch batch = new ZSetBatch(SCHEMA);
        final long deadline = System.nanoTime() + 60_000_000_000L;
        int taken = 0;
        while (taken < count && !in.endOfInput())
        {
            assertTrue(System.nanoTime() < deadline, "polled " + taken + " of " + count);
            in.agent().doWork();
            batch.clear();
            taken += in.poll(batch, count - taken, Long.MAX_VALUE);
            final ZSetBatch.Cursor cursor = batch.cursor();
            while (cursor.next())
            {
                assertEquals(1, cursor.weight());
                assertEquals(1.5, cursor.row().getDouble(3));
                assertEquals(12345, cursor.row().getLong(4));
                assertTrue(cursor.row().isNull(7));
                ids.add(cursor.row().getLong(0));
            }
        }
    }

    private static List<Long> ids(final long from, final long to, final int rows)
    {
        final List<Long> ids = new ArrayList<>();
        for (long t = from; t <= to; t++)
        {
            for (int i = 0; i < rows; i++)
            {
                ids.add(t * 100 + i);
            }
        }
        return ids;
    }

    private static List<Long> sorted(final List<Long> ids)
    {
        final List<Long> copy = new ArrayList<>(ids);
        copy.sort(null);
        return copy;
    }

    @Test
    void readsTheSnapshotAndResumesInsideAFileFromItsToken() throws Exception
    {
        final String uri = dir.resolve("t").toString();
        write(uri, 1, 3, 5);
        final List<Long> ids = new ArrayList<>();
        final ExpandableArrayBuffer token = new ExpandableArrayBuffer();
        final long position;
        final int length;
        try (DeltaInputEndpoint in = endpoint(uri, "snapshot"))
        {
            assertTrue(in.usesPositionToken());
            in.open(0, token, 0, 0);
            in.live();
            poll(in, 7, ids);
            assertEquals(7, in.position());
            length = in.positionToken(token);
            position = in.position();
            in.agent().onClose();
        }
        assertEquals(DeltaInputEndpoint.TOKEN_LENGTH, length);
        assertEquals(2, token.getLong(0, ByteOrder.LITTLE_ENDIAN), "the snapshot: version 2 (three commits)");
        assertEquals(2, token.getLong(8, ByteOrder.LITTLE_ENDIAN), "the files of the snapshot");
        assertEquals(1, token.getLong(16, ByteOrder.LITTLE_ENDIAN), "7 records: in the second file");
        assertEquals(2, token.getLong(24, ByteOrder.LITTLE_ENDIAN), "two records of it");
        try (DeltaInputEndpoint in = endpoint(uri, "snapshot"))
        {
            in.open(position, token, 0, length);
            in.live();
            poll(in, Integer.MAX_VALUE, ids);
            assertTrue(in.endOfInput());
            assertEquals(15, in.position());
            in.agent().onClose();
        }
        assertEquals(ids(1, 3, 5), sorted(ids), "each record once across the reopen");
    }

    @Test
    void aFreshStartReplayingTheJournalReadsTheSnapshotOfTheFirstJournaledStep() throws Exception
    {
        final String uri = dir.resolve("r").toString();
        write(uri, 1, 1, 3);
        final ExpandableArrayBuffer token = new ExpandableArrayBuffer();
        final List<Long> ids = new ArrayList<>();
        try (DeltaInputEndpoint in = endpoint(uri, "snapshot"))
        {
            in.open(0, token, 0, 0);
            in.live();
            poll(in, 1, ids);
            assertEquals(DeltaInputEndpoint.TOKEN_LENGTH, in.positionToken(token));
            in.agent().onClose();
        }
        write(uri, 2, 3, 3); // the table moves on while the pipeline is down
        ids.clear();
        try (DeltaInputEndpoint in = endpoint(uri, "snapshot"))
        {
            in.open(0, token, 0, 0); // no checkpoint: the journal's steps are replayed from the start
            in.replayBound(1, token, 0, DeltaInputEndpoint.TOKEN_LENGTH);
            poll(in, Integer.MAX_VALUE, ids);
            assertTrue(in.endOfInput());
            in.agent().onClose();
        }
        assertEquals(ids(1, 1, 3), sorted(ids), "snapshot version 0 as journaled, not the latest");
    }

    @Test
    void snapshotAndFollowReadsVersionsCommittedLater() throws Exception
    {
        final String uri = dir.resolve("f").toString();
        write(uri, 1, 2, 4);
        final List<Long> ids = new ArrayList<>();
        final ExpandableArrayBuffer token = new ExpandableArrayBuffer();
        try (DeltaInputEndpoint in = endpoint(uri, "snapshot_and_follow"))
        {
            in.open(0, token, 0, 0);
            in.live();
            poll(in, 8, ids);
            assertEquals(ids(1, 2, 4), sorted(ids));
            write(uri, 3, 4, 4);
            poll(in, 8, ids);
            assertFalse(in.endOfInput());
            assertEquals(ids(1, 4, 4), sorted(ids), "the snapshot, then versions 3 and 4");
            in.agent().onClose();
        }
    }
}
