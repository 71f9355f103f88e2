package dev.keel.connector.delta;

import dev.keel.engine.config.ConfigException;
import dev.keel.engine.config.FaultToleranceModel;
import dev.keel.engine.config.InputEndpointConfig;
import dev.keel.engine.config.PipelineConfigParser;
import dev.keel.engine.connector.ConnectorContext;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.ZSetBatch;
import dev.keel.sync.SyncFixture;
import io.delta.kernel.Table;
import io.delta.kernel.engine.Engine;
import io.delta.kernel.utils.CloseableIterator;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.FileAlreadyExistsException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.keel.connector.delta.DeltaTestSupport.SCHEMA;
import static dev.keel.connector.delta.DeltaTestSupport.output;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Delta tables in a bucket of the real S3 server of the sync tests (S3Mock on loopback), through Keel's
 * {@link S3FileIO}: {@code delta_table_output} writes a table that delta-kernel and {@code delta_table_input} read
 * back exactly, a restart from an older checkpoint commits no step twice ({@code txn}), the input follows versions
 * committed later, a log version another writer took is never overwritten ({@code If-None-Match: *}), and the S3
 * settings are validated with their JSON path.
 */
class DeltaS3TableTest
{
    private static final String CONFIG = "$.outputs.out.transport.config";
    private static SyncFixture s3;

    @BeforeAll
    static void server()
    {
        s3 = SyncFixture.shared();
    }

    private static String settings(final String uri, final String extra)
    {
        return "{\"uri\": \"" + uri + "\", \"region\": \"us-east-1\", \"endpoint_url\": \"http://127.0.0.1:" +
            s3.s3Port + "\", \"aws_access_key_id\": \"" + SyncFixture.ACCESS_KEY + "\", \"aws_secret_access_key\": \"" +
            SyncFixture.SECRET_KEY + "\"" + extra + "}";
    }

    private static Map<String, String> options()
    {
        return Map.of("region", "us-east-1", "endpoint_url", "http://127.0.0.1:" + s3.s3Port,
            "aws_access_key_id", SyncFixture.ACCESS_KEY, "aws_secret_access_key", SyncFixture.SECRET_KEY);
    }

    private DeltaOutputEndpoint outputEndpoint(final String uri)
    {
        return (DeltaOutputEndpoint)new DeltaOutputConnector().create(DeltaTestSupport.output(settings(uri, "")),
            SCHEMA, new ConnectorContext().pipelineName("p").faultToleranceModel(FaultToleranceModel.EXACTLY_ONCE));
    }

    private static DeltaInputEndpoint input(final String uri, final String mode)
    {
        final InputEndpointConfig config = PipelineConfigParser.parse("{\"inputs\": {\"in\": {\"stream\": \"t\", " +
            "\"transport\": {\"name\": \"delta_table_input\", \"config\": " +
            settings(uri, ", \"mode\": \"" + mode + "\", \"poll_interval_ms\": 10") + "}}}}").inputs().get("in");
        return (DeltaInputEndpoint)new DeltaInputConnector().create(config, SCHEMA, new ConnectorContext());
    }

    /** Offers steps from..to (step t: {@code rows} inserts with ids t * 100 + i) and waits until all are delivered. */
    static void write(final DeltaOutputEndpoint out, final long from, final long to, final int rows) throws Exception
    {
        final RowWriter writer = new RowWriter(SCHEMA);
        for (long t = from; t <= to; t++)
        {
            final ZSetBatch batch = new ZSetBatch(SCHEMA);
            for (int i = 0; i < rows; i++)
            {
                writer.reset().putLong(0, t * 100 + i).putString(1, "s" + t).putInt(2, i).putDouble(3, 1.5)
                    .putLong(4, 12345).putLong(5, 7).putBool(6, true).putNull(7).finish();
                batch.add(writer, 1);
            }
            final long deadline = System.nanoTime() + 60_000_000_000L;
            out.onDurable(t);
            while (!out.offer(t, batch))
            {
                assertTrue(System.nanoTime() < deadline, "offer of step " + t);
                out.agent().doWork();
                out.checkError();
            }
            out.flush();
            while (out.deliveredTransactionId() < t)
            {
                assertTrue(System.nanoTime() < deadline, "delivery of step " + t);
                out.agent().doWork();
                out.checkError();
            }
        }
    }

    private static List<String> rows(final long from, final long to, final int rows)
    {
        final List<String> records = new ArrayList<>();
        for (long t = from; t <= to; t++)
        {
            for (int i = 0; i < rows; i++)
            {
                records.add((t * 100 + i) + "|s" + t + "|" + i + "|1.5|123.45|7|true|null|i|" + t);
            }
        }
        return records;
    }

    /** Ids polled from the input until {@code count} (or end of input). */
    private static List<Long> poll(final DeltaInputEndpoint in, final int count) throws Exception
    {
        final List<Long> ids = new ArrayList<>();
        final ZSetBatch batch = new ZSetBatch(SCHEMA);
        final long deadline = System.nanoTime() + 60_000_000_000L;
        while (ids.size() < count && !in.endOfInput())
        {
            assertTrue(System.nanoTime() < deadline, "polled " + ids.size() + " of " + count);
            in.agent().doWork();
            batch.clear();
            in.poll(batch, count - ids.size(), Long.MAX_VALUE);
            final ZSetBatch.Cursor cursor = batch.cursor();
            while (cursor.next())
            {
                assertEquals(1, cursor.weight());
                ids.add(cursor.row().getLong(0));
            }
        }
        return ids;
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
    void outputWritesATableInTheBucketThatKernelAndInputReadBackWithEachStepOnceAcrossARestart() throws Exception
    {
        final String bucket = s3.newBucket();
        final String uri = "s3://" + bucket + "/tables/trades";
        try (DeltaOutputEndpoint out = outputEndpoint(uri))
        {
            out.open();
            write(out, 1, 3, 4);
            out.agent().onClose();
        }
        final TreeMap<String, Long> objects = s3.listAll(bucket);
        assertTrue(objects.containsKey("tables/trades/_delta_log/00000000000000000000.json"), objects.toString());
        assertTrue(objects.keySet().stream().anyMatch(k -> k.startsWith("tables/trades/") && k.endsWith(".parquet")),
            "the data files are in the bucket: " + objects);
        assertEquals(DeltaTestSupport.sorted(rows(1, 3, 4)), DeltaTestSupport.sorted(DeltaTestSupport.readTable(uri,
            options())), "delta-kernel reads the S3 table back");

        // a restart from a checkpoint at step 1 replays steps 2..5: 2 and 3 are in the table already
        try (DeltaOutputEndpoint out = outputEndpoint(uri))
        {
            out.restore(1, 1);
            out.agent().doWork();
            assertEquals(3, out.deliveredTransactionId(), "the table's txn action says step 3");
            write(out, 2, 5, 4);
            out.agent().onClose();
        }
        assertEquals(DeltaTestSupport.sorted(rows(1, 5, 4)),
            DeltaTestSupport.sorted(DeltaTestSupport.readTable(uri, options())), "each step exactly once");
        final Engine engine = DeltaTables.engine(uri, options());
        assertEquals(5L, Table.forPath(engine, uri).getLatestSnapshot(engine)
            .getLatestTransactionVersion(engine, "p/out").orElseThrow());

        try (DeltaInputEndpoint in = input(uri, "snapshot"))
        {
            in.open(0, new ExpandableArrayBuffer(), 0, 0);
            in.live();
            final List<Long> ids = poll(in, Integer.MAX_VALUE);
            assertTrue(in.endOfInput());
            assertEquals(ids(1, 5, 4), sorted(ids), "delta_table_input reads every row once");
            in.agent().onClose();
        }
    }

    @Test
    void inputFollowsVersionsCommittedToTheS3Table() throws Exception
    {
        final String uri = "s3://" + s3.newBucket() + "/follow";
        try (DeltaOutputEndpoint out = outputEndpoint(uri))
        {
            out.open();
            write(out, 1, 2, 3);
            try (DeltaInputEndpoint in = input(uri, "snapshot_and_follow"))
            {
                in.open(0, new ExpandableArrayBuffer(), 0, 0);
                in.live();
                final List<Long> ids = poll(in, 6);
                assertEquals(ids(1, 2, 3), sorted(ids), "the snapshot");
                write(out, 3, 4, 3);
                ids.addAll(poll(in, 6));
                assertFalse(in.endOfInput());
                assertEquals(ids(1, 4, 3), sorted(ids), "the snapshot, then versions 3 and 4");
                in.agent().onClose();
            }
            out.agent().onClose();
        }
    }

    @Test
    void aLogVersionAnotherWriterTookIsNeverOverwritten() throws Exception
    {
        final String bucket = s3.newBucket();
        final S3FileIO io = new S3FileIO(DeltaS3.client(options()), options());
        final String commit = "s3://" + bucket + "/t/_delta_log/00000000000000000007.json";
        io.newOutputFile(commit).writeAtomically(iterator(List.of("{\"first\":1}")), false);
        final FileAlreadyExistsException taken = assertThrows(FileAlreadyExistsException.class,
            () -> io.newOutputFile(commit).writeAtomically(iterator(List.of("{\"second\":2}")), false));
        assertEquals(commit, taken.getFile());
        assertEquals("{\"first\":1}\n", new String(s3.admin.getObject(b -> b.bucket(bucket)
            .key("t/_delta_log/00000000000000000007.json"), software.amazon.awssdk.core.async.AsyncResponseTransformer
            .toBytes()).join().asByteArray(), java.nio.charset.StandardCharsets.UTF_8), "the first commit stands");

        io.newOutputFile("s3://" + bucket + "/t/_delta_log/00000000000000000008.json")
            .writeAtomically(iterator(List.of("{\"x\":1}")), false);
        io.newOutputFile("s3://" + bucket + "/t/_delta_log/00000000000000000010.json")
            .writeAtomically(iterator(List.of("{\"x\":1}")), false);
        final List<String> listed = new ArrayList<>();
        try (CloseableIterator<io.delta.kernel.utils.FileStatus> files =
                 io.listFrom("s3://" + bucket + "/t/_delta_log/00000000000000000008"))
        {
            files.forEachRemaining(f -> listed.add(f.getPath().substring(f.getPath().lastIndexOf('/') + 1)));
        }
        assertEquals(List.of("00000000000000000008.json", "00000000000000000010.json"), listed,
            "listFrom: the given name on, in order");
        assertThrows(java.io.FileNotFoundException.class, () -> io.listFrom("s3://" + bucket + "/none/_delta_log/0"));
    }

    @Test
    void s3SettingsAreValidatedWithTheirPath()
    {
        final ConnectorContext context = new ConnectorContext().pipelineName("p");
        final ConfigException hadoop = assertThrows(ConfigException.class, () -> new DeltaOutputConnector().create(
            output(settings("s3://b/t", ", \"fs.s3a.endpoint\": \"x\"")), SCHEMA, context));
        assertEquals(CONFIG + ".fs.s3a.endpoint", hadoop.path());
        final ConfigException region = assertThrows(ConfigException.class, () -> new DeltaOutputConnector().create(
            output("{\"uri\": \"s3://b/t\"}"), SCHEMA, context));
        assertEquals(CONFIG + ".region", region.path());
        final ConfigException half = assertThrows(ConfigException.class, () -> new DeltaOutputConnector().create(
            output("{\"uri\": \"s3://b/t\", \"region\": \"r\", \"aws_access_key_id\": \"k\"}"), SCHEMA, context));
        assertEquals(CONFIG + ".aws_secret_access_key", half.path());
        final ConfigException endpoint = assertThrows(ConfigException.class, () -> new DeltaOutputConnector().create(
            output("{\"uri\": \"s3://b/t\", \"region\": \"r\", \"endpoint_url\": \"localhost:9\"}"), SCHEMA, context));
        assertEquals(CONFIG + ".endpoint_url", endpoint.path());
        final ConfigException local = assertThrows(ConfigException.class, () -> new DeltaOutputConnector().create(
            output("{\"uri\": \"/tmp/t\", \"region\": \"r\"}"), SCHEMA, context));
        assertEquals(CONFIG + ".region", local.path(), "S3 settings on a local table are refused");
        assertFalse(hadoop.getMessage().contains(SyncFixture.SECRET_KEY), hadoop.getMessage());
    }

    private static CloseableIterator<String> iterator(final List<String> lines)
    {
        final java.util.Iterator<String> it = lines.iterator();
        return new CloseableIterator<>()
        {
            public boolean hasNext()
            {
                return it.hasNext();
            }

            public String next()
            {
                return it.next();
            }

            public void close()
            {
            }
        };
    }
}
