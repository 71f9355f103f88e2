package dev.keel.connector.delta;

import dev.keel.engine.KeelException;
import dev.keel.engine.connector.RingBufferInput;
import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import io.delta.kernel.Snapshot;
import io.delta.kernel.Table;
import io.delta.kernel.data.ColumnVector;
import io.delta.kernel.data.ColumnarBatch;
import io.delta.kernel.data.FilteredColumnarBatch;
import io.delta.kernel.engine.Engine;
import io.delta.kernel.types.StructField;
import io.delta.kernel.types.StructType;
import io.delta.kernel.utils.CloseableIterator;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.NanoClock;

import java.io.IOException;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@code delta_table_input} endpoint: reads a table's latest snapshot, data file by data file in path order,
 * then (with {@code snapshot_and_follow}) the files each later version adds, on its own agent; every row is an
 * insert of weight 1 into the input's schema (columns matched by name).
 * <p>
 * Positions: the {@code long} position is the number of records delivered; the journaled position token is
 * {@code | int64 snapshot version | int64 version | int64 file index | int64 rows of that file delivered |}
 * (little endian), so a restart reopens the same snapshot and resumes inside the same file. The files of a
 * followed version are those of its snapshot that the previous version's snapshot lacks, in path order; a version
 * that removes files is refused (append-only tables). A fresh start with a journal to replay takes the snapshot
 * version from the first replayed step's token.
 * <p>
 * Retries: a transient failure ({@link CommitRetry#transientFailure}: S3 5xx, reset or refused connection, timeout)
 * while opening the snapshot, listing a version's files, reading a data file or polling for new versions is tried
 * again after a backoff (the agent returns without work meanwhile, never sleeps), with a WARNING and the endpoint's
 * retries counter. A retry never moves the position: the state of a version is replaced only once it is read whole,
 * and a data file is reopened skipping the rows of it already offered. When {@code read_max_retries} are exhausted
 * the endpoint fails with {@code CONNECTOR_DELTA_READ_FAILED} naming the table, version, file and cause.
 */
public final class DeltaInputEndpoint extends RingBufferInput
{
    /** Length of the position token. */
    public static final int TOKEN_LENGTH = 32;
    private static final int SLOTS = 4096;
    private static final System.Logger LOGGER = System.getLogger(DeltaInputEndpoint.class.getName());

    private final String uri;
    private final Map<String, String> storageOptions;
    private final boolean follow;
    private final long pollIntervalNs;
    private final CommitRetry retry;

    // start point: decided on the circuit thread before the agent reads (open with a token, first replay bound,
    // or live), then read by the agent
    private volatile boolean decided;
    private long startSnapshot = -1;
    private long startVersion;
    private long startFile;
    private long startRow;

    // file slots: written by the agent before the first record of file g is offered (tag g), read by the circuit
    private final long[] slotVersion = new long[SLOTS];
    private final long[] slotFile = new long[SLOTS];
    private final long[] slotStart = new long[SLOTS];
    private volatile long takenFile = -1;
    private volatile long snapshotVersion = -1;

    // agent thread
    private Engine engine;
    private Table table;
    private final RowWriter writer;
    private final int[] tableColumn;
    private long version = -1;
    private List<String> files;
    private List<Integer> fileIndexes;
    private DeltaTableReader reader;
    private int fileIndex;
    private long rowInFile;
    private long skipRows;
    private long fileOrdinal = -1;
    private CloseableIterator<FilteredColumnarBatch> batches;
    private ColumnarBatch batch;
    private int batchRow;
    private FilteredColumnarBatch filtered;
    private long nextPollNs;

    DeltaInputEndpoint(
        final String name, final Schema schema, final String uri, final Map<String, String> storageOptions,
        final boolean follow, final long pollIntervalMs, final int capacity, final NanoClock clock,
        final int readMaxRetries, final long readRetryInitialBackoffMs, final long readRetryMaxBackoffMs)
    {
        super(name, schema, capacity, clock);
        this.uri = uri;
        this.storageOptions = storageOptions;
        this.follow = follow;
        this.pollIntervalNs = pollIntervalMs * 1_000_000L;
        this.retry = new CommitRetry(readMaxRetries, readRetryInitialBackoffMs, readRetryMaxBackoffMs);
        this.writer = new RowWriter(schema);
        this.tableColumn = new int[schema.columnCount()];
    }

    public boolean usesPositionToken()
    {
        return true;
    }

    public void open(final long resumePosition, final DirectBuffer token, final int offset, final int length)
    {
        if (length >= TOKEN_LENGTH)
        {
            decide(token, offset, resumePosition);
        }
        open(resumePosition);
    }

    public void replayBound(final long position, final DirectBuffer token, final int offset, final int length)
    {
        if (!decided && length >= TOKEN_LENGTH)
        {
            startSnapshot = token.getLong(offset, ByteOrder.LITTLE_ENDIAN);
            startVersion = startSnapshot;
            decided = true;
        }
    }

    public void live()
    {
        decided = true;
    }

    private void decide(final DirectBuffer token, final int offset, final long resumePosition)
    {
        startSnapshot = token.getLong(offset, ByteOrder.LITTLE_ENDIAN);
        startVersion = token.getLong(offset + 8, ByteOrder.LITTLE_ENDIAN);
        startFile = token.getLong(offset + 16, ByteOrder.LITTLE_ENDIAN);
        startRow = token.getLong(offset + 24, ByteOrder.LITTLE_ENDIAN);
        decided = true;
    }

    protected void onOpen(final long resumePosition)
    {
        if (!decided && resumePosition > 0)
        {
            throw new KeelException(KeelException.Category.CONNECTOR, "CONNECTOR_BAD_POSITION",
                "endpoint '" + name + "': resume position " + resumePosition + " without a position token");
        }
    }

    protected void onRecordTaken(final long tag)
    {
        takenFile = tag;
    }

    public int positionToken(final MutableDirectBuffer dst)
    {
        final long taken = takenFile;
        dst.putLong(0, startSnapshot >= 0 ? startSnapshot : snapshotVersion, ByteOrder.LITTLE_ENDIAN);
        if (taken < 0 && startSnapshot >= 0)
        {
            dst.putLong(8, startVersion, ByteOrder.LITTLE_ENDIAN);
            dst.putLong(16, startFile, ByteOrder.LITTLE_ENDIAN);
            dst.putLong(24, startRow, ByteOrder.LITTLE_ENDIAN);
        }
        else if (taken < 0)
        {
            // nothing delivered yet (position 0): the snapshot the agent opened, or -1 = the latest at the restart
            dst.putLong(8, snapshotVersion, ByteOrder.LITTLE_ENDIAN);
            dst.putLong(16, 0, ByteOrder.LITTLE_ENDIAN);
            dst.putLong(24, 0, ByteOrder.LITTLE_ENDIAN);
        }
        else
        {
            final int slot = (int)(taken % SLOTS);
            dst.putLong(8, slotVersion[slot], ByteOrder.LITTLE_ENDIAN);
            dst.putLong(16, slotFile[slot], ByteOrder.LITTLE_ENDIAN);
            dst.putLong(24, position() - slotStart[slot], ByteOrder.LITTLE_ENDIAN);
        }
        return TOKEN_LENGTH;
    }

    protected int produce(final long nowNs) throws IOException
    {
        if (!decided || retry.waiting(nowNs))
        {
            return 0;
        }
        try
        {
            final int work = read(nowNs);
            retry.succeeded();
            return work;
        }
        catch (final RuntimeException | IOException e)
        {
            if (e instanceof KeelException || !CommitRetry.transientFailure(e))
            {
                throw e;
            }
            failed(nowNs, e);
            return 1;
        }
    }

    /**
     * A transient failure: puts the read back to the last record offered (the current file is reopened and its
     * offered rows skipped; a version or start snapshot not read whole is read again) and schedules the retry.
     */
    private void failed(final long nowNs, final Exception e)
    {
        final String where = "version " + (version >= 0 ? version : startSnapshot >= 0 ? startSnapshot : "latest") +
            (null != files && fileIndex < files.size() ? ", file " + files.get(fileIndex) +
            " row " + (rowInFile + skipRows) : ", the log");
        closeBatches();
        if (null == reader)
        {
            engine = null; // start() did not finish: run it again
        }
        batch = null;
        filtered = null;
        skipRows += rowInFile;
        rowInFile = 0;
        nextPollNs = nowNs;
        final String cause = DeltaS3.redact(storageOptions, CommitRetry.describe(e));
        final long backoffNs = retry.failed(nowNs, 0);
        if (backoffNs < 0)
        {
            throw error("CONNECTOR_DELTA_READ_FAILED", where + ": the read failed " + retry.failures() +
                " times (read_max_retries " + retry.maxRetries() + "); last error: " + cause, e);
        }
        countRetry();
        LOGGER.log(System.Logger.Level.WARNING, "endpoint ''{0}'': table {1}: {2}: the read failed, retry {3} of {4} " +
            "in {5} ms: {6}", name, uri, where, retry.failures(), retry.maxRetries(), backoffNs / 1_000_000, cause);
    }

    private int read(final long nowNs) throws IOException
    {
        if (null == engine)
        {
            start();
            return 1;
        }
        int work = 0;
        while (work < 4096)
        {
            if (holdsRecord())
            {
                if (!offerHeld())
                {
                    return work;
                }
                rowInFile++;
                work++;
            }
            if (!nextRow())
            {
                if (fileIndex < files.size())
                {
                    return work; // the circuit has not taken the records of older files yet
                }
                if (!follow)
                {
                    return offerEndOfInput(offeredPosition()) ? work + 1 : work;
                }
                if (nowNs - nextPollNs < 0)
                {
                    return work;
                }
                nextPollNs = nowNs + pollIntervalNs;
                return work + (followNextVersion() ? 1 : 0);
            }
        }
        return work;
    }

    private void start() throws IOException
    {
        engine = DeltaTables.engine(uri, storageOptions);
        table = Table.forPath(engine, uri);
        final Snapshot snapshot = startSnapshot >= 0 ?
            table.getSnapshotAsOfVersion(engine, startSnapshot) : table.getLatestSnapshot(engine);
        // published (to positionToken) only once the start is read whole: a retried start may open a later one
        final long openedSnapshot = snapshot.getVersion();
        final StructType tableSchema = snapshot.getSchema();
        for (int c = 0; c < schema.columnCount(); c++)
        {
            final Column column = schema.column(c);
            final int index = tableSchema.indexOf(column.name());
            if (index < 0)
            {
                throw error("CONNECTOR_SCHEMA_MISMATCH", "the table has no column '" + column.name() + "'");
            }
            final StructField field = tableSchema.at(index);
            final String mismatch = DeltaSchemas.mismatch(column, field.getDataType());
            if (null != mismatch)
            {
                throw error("CONNECTOR_SCHEMA_MISMATCH", mismatch);
            }
            tableColumn[c] = index;
        }
        final long resumeVersion = startSnapshot >= 0 ? startVersion : openedSnapshot;
        openVersion(resumeVersion == openedSnapshot ? snapshot : table.getSnapshotAsOfVersion(engine, resumeVersion),
            resumeVersion == openedSnapshot ? null : table.getSnapshotAsOfVersion(engine, resumeVersion - 1));
        fileIndex = (int)startFile;
        skipRows = startRow;
        snapshotVersion = openedSnapshot;
    }

    /**
     * The files of {@code snapshot} that {@code previous} lacks (all of them for the start snapshot). The state is
     * replaced only when both are read whole, so a failure leaves the position where it was.
     */
    private void openVersion(final Snapshot snapshot, final Snapshot previous)
    {
        final long openedVersion = snapshot.getVersion();
        final DeltaTableReader reader = new DeltaTableReader(engine, snapshot);
        final List<String> files = new ArrayList<>();
        final List<Integer> indexes = new ArrayList<>();
        final Set<String> before = new HashSet<>();
        if (null != previous)
        {
            final DeltaTableReader old = new DeltaTableReader(engine, previous);
            for (int i = 0; i < old.fileCount(); i++)
            {
                before.add(old.filePath(i));
            }
        }
        final Set<String> now = new HashSet<>();
        for (int i = 0; i < reader.fileCount(); i++)
        {
            now.add(reader.filePath(i));
            if (!before.contains(reader.filePath(i)))
            {
                files.add(reader.filePath(i));
                indexes.add(i);
            }
        }
        if (!now.containsAll(before))
        {
            throw error("CONNECTOR_TABLE_NOT_APPEND_ONLY", "version " + openedVersion + " removes data files; " +
                "delta_table_input follows append-only tables");
        }
        this.version = openedVersion;
        this.reader = reader;
        this.files = files;
        fileIndexes = indexes;
        fileIndex = 0;
        rowInFile = 0;
        skipRows = 0;
    }

    private boolean followNextVersion() throws IOException
    {
        final Snapshot latest = table.getLatestSnapshot(engine);
        if (latest.getVersion() <= version)
        {
            return false;
        }
        final long next = version + 1;
        openVersion(table.getSnapshotAsOfVersion(engine, next), table.getSnapshotAsOfVersion(engine, version));
        return true;
    }

    /** Prepares the next row in {@link #writer} and holds it to offer; false at the end of a file list. */
    private boolean nextRow() throws IOException
    {
        while (true)
        {
            if (null != batch)
            {
                while (batchRow < batch.getSize())
                {
                    final int row = batchRow++;
                    if (filtered.getSelectionVector().isPresent() &&
                        !filtered.getSelectionVector().get().getBoolean(row))
                    {
                        continue;
                    }
                    if (skipRows > 0)
                    {
                        skipRows--;
                        rowInFile++;
                        continue;
                    }
                    convert(batch, row);
                    hold(offeredPosition() + 1, fileOrdinal, 1, writer.buffer(), 0, writer.length(), 0);
                    return true;
                }
                batch = null;
            }
            if (null != batches && batches.hasNext())
            {
                filtered = batches.next();
                batch = filtered.getData();
                batchRow = 0;
                continue;
            }
            if (null != batches)
            {
                batches.close();
                batches = null;
                fileIndex++;
            }
            if (fileIndex >= files.size())
            {
                return false;
            }
            // the circuit reads slot g % SLOTS for the last record it took: wait until it is past file g - SLOTS
            if (fileOrdinal + 1 - SLOTS > takenFile)
            {
                return false;
            }
            fileOrdinal++;
            final int slot = (int)(fileOrdinal % SLOTS);
            slotVersion[slot] = version;
            slotFile[slot] = fileIndex;
            slotStart[slot] = offeredPosition() - skipRows;
            rowInFile = 0;
            batches = reader.read(fileIndexes.get(fileIndex));
        }
    }

    private void convert(final ColumnarBatch batch, final int row)
    {
        writer.reset();
        for (int c = 0; c < tableColumn.length; c++)
        {
            final ColumnVector vector = batch.getColumnVector(tableColumn[c]);
            if (vector.isNullAt(row))
            {
                if (!schema.column(c).nullable())
                {
                    throw error("CONNECTOR_NULL_VALUE", "file " + files.get(fileIndex) + " row " + rowInFile +
                        ": column '" + schema.column(c).name() + "' is null, the schema's is not nullable");
                }
                writer.putNull(c);
                continue;
            }
            final ColumnType type = schema.type(c);
            switch (type)
            {
                case INT32:
                case INT64:
                    writer.putLong(c, vector.getDataType() instanceof io.delta.kernel.types.IntegerType ?
                        vector.getInt(row) : vector.getLong(row));
                    break;
                case TIMESTAMP:
                    writer.putLong(c, vector.getLong(row));
                    break;
                case DECIMAL:
                    writer.putLong(c, vector.getDecimal(row).unscaledValue().longValueExact());
                    break;
                case FLOAT64:
                    writer.putDouble(c, vector.getDouble(row));
                    break;
                case BOOL:
                    writer.putBool(c, vector.getBoolean(row));
                    break;
                case STRING:
                    writer.putString(c, vector.getString(row));
                    break;
                case BYTES:
                    writer.putBytes(c, vector.getBinary(row));
                    break;
                default:
                    throw error("CONNECTOR_SCHEMA_MISMATCH", "column type " + type);
            }
        }
        writer.finish();
    }

    protected void onAgentClose()
    {
        closeBatches();
    }

    private void closeBatches()
    {
        if (null != batches)
        {
            try
            {
                batches.close();
            }
            catch (final IOException | RuntimeException ignore)
            {
                // closing a reader of a local or object-store file: nothing to recover, the file is reopened
            }
            batches = null;
        }
    }

    private KeelException error(final String code, final String message)
    {
        return new KeelException(KeelException.Category.CONNECTOR, code,
            "endpoint '" + name + "': table " + uri + ": " + message);
    }

    private KeelException error(final String code, final String message, final Throwable cause)
    {
        return new KeelException(KeelException.Category.CONNECTOR, code,
            "endpoint '" + name + "': table " + uri + ": " + message, cause);
    }

    public void close()
    {
    }

    public String toString()
    {
        return "DeltaInputEndpoint{name='" + name + "', uri=" + uri + ", follow=" + follow + "}";
    }

}
